using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.V1;

namespace Mesh.Tools.Authorization;

/// <summary>
/// <c>EndRun</c>: a run's own credential ends its run (any member of the tenant may end the run
/// of the call's scope); ending another run needs <c>tenant:&lt;tenant&gt;#admin</c>.
/// </summary>
public sealed class EndRunRule : AccessRule<EndRunRequest>
{
    public override string Method => "/mesh.tools.v1.Tools/EndRun";

    public override string ResourceType => "tenant";

    public override string Relation => "member";

    protected override string ResourceOf(EndRunRequest request) => CallScope.Current?.Caller.TenantId ?? "";

    protected override IReadOnlyList<string> AlsoRequired(EndRunRequest request)
    {
        var scope = CallScope.Current;
        var own = scope?.RunId ?? "";
        return request.RunId.Length == 0 || request.RunId == own ? [] : [$"tenant:{scope?.Caller.TenantId}#admin"];
    }
}
