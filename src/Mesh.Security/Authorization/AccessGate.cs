using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Security.Authorization;

/// <summary>
/// The enforcement point of one call: the credential's scope, then the decision point
/// (relations and budgets), each decision audited; denials become PermissionDenied or
/// ResourceExhausted naming what refused.
/// </summary>
public sealed class AccessGate(IAccessDecider decider, AccessAudit audit)
{
    public async Task<AccessDecision> AuthorizeAsync(IAccessRule rule, object request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(context);
        var scope = CallScope.Current ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        var caller = scope.Caller;
        var resource = rule.ResourceOf(request);
        var digest = RequestDigest.Of(context.Method, request);
        var target = $"{rule.ResourceType}:{resource}";
        if (caller.Scope is { } credentialScope && !credentialScope.Allows(rule.ResourceType, resource))
        {
            var denial = new AccessDecision(false, $"the credential's scope does not include {target}; use a key or token whose scope names it")
            {
                DeniedBy = "scope",
            };
            await audit.RecordAsync(new AccessRequest(caller, scope.AgentId, target, rule.Relation, null, digest), context.Method, denial);
            throw MeshErrors.PermissionDenied(denial.Reason);
        }

        var access = new AccessRequest(caller, scope.AgentId, target, rule.Relation, await rule.MaxUsageAsync(request, context), digest)
        {
            AlsoRequired = rule.AlsoRequired(request),
        };
        var decision = await decider.DecideAsync(access, context.CancellationToken);
        if (!decision.Allowed || decider.AuditsAllows)
        {
            await audit.RecordAsync(access, context.Method, decision);
        }

        if (!decision.Allowed)
        {
            throw decision.BudgetExhausted ? MeshErrors.ResourceExhausted(decision.Reason) : MeshErrors.PermissionDenied(decision.Reason);
        }

        return decision;
    }
}
