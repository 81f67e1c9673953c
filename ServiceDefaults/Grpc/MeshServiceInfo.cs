namespace Mesh.ServiceDefaults.Grpc;

/// <summary>The name of the running service: identity, inference, tools, agents or telemetry.</summary>
public sealed record MeshServiceInfo(string Name);
