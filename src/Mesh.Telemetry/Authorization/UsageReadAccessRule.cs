using Mesh.Security.Authorization;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Authorization;

/// <summary>
/// <c>GetUsage</c> needs <c>analytics:usage#reader</c> in the caller's tenant (open to members
/// until a reader relation restricts it). The query itself stays scoped to that tenant.
/// </summary>
public sealed class UsageReadAccessRule : AccessRule<UsageQuery>
{
    public const string Resource = "usage";

    public override string Method => "/mesh.telemetry.v1.Analytics/GetUsage";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(UsageQuery request) => Resource;
}
