using Mesh.Usage.V1;

namespace Mesh.Metering.Calls;

/// <summary>An RPC whose every call is one usage event of <paramref name="Kind"/>.</summary>
public sealed record MeteredMethod(string Method, UsageKind Kind);
