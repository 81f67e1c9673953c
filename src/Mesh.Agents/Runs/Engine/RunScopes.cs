using Mesh.Agents.Runs.Store;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Agents.Runs.Engine;

/// <summary>The call scope a run's steps work in: its caller, with the run's own credential, agent and run ids.</summary>
public sealed class RunScopes
{
    public CallScope For(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var kind = Caller.TryParseKind(run.PrincipalKind, out var parsed) ? parsed : PrincipalKind.User;
        var caller = new Caller(run.PrincipalId, run.Tenant, kind, run.IsAdmin) { ActorId = run.IsAdmin ? null : run.Workflow };
        return new CallScope(caller, run.Credential)
        {
            TenantHeader = run.TenantHeader.Length > 0 ? run.TenantHeader : null,
            AgentId = run.Workflow,
            RunId = run.Id,
        };
    }
}
