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
    public async Task<string> AuthorizeAsync(IAccessRule rule, object request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(context);
        var scope = CallScope.Current ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        var caller = scope.Caller;
        var resource = rule.ResourceOf(request);
        // A token's actor is authoritative; the agent header only labels calls of other credentials.
        var access = new AccessRequest(caller, caller.ActorId ?? scope.AgentId, $"{rule.ResourceType}:{resource}", rule.Relation,
            rule.MaxSpend(request, context), RequestDigest.Of(context.Method, request));

        if (caller.Scope is { } credentialScope && !credentialScope.Allows(rule.ResourceType, resource))
        {
            var denial = new AccessDecision(false, $"the credential's scope does not include {access.Object}; use a key or token whose scope names it")
            {
                DeniedBy = "scope",
            };
            await audit.RecordAsync(access, context.Method, denial);
            throw MeshErrors.PermissionDenied(denial.Reason);
        }

        var decision = await decider.DecideAsync(access, context.CancellationToken);
        if (!decision.Allowed || decider.AuditsAllows)
        {
            await audit.RecordAsync(access, context.Method, decision);
        }

        if (!decision.Allowed)
        {
            throw decision.BudgetExhausted ? MeshErrors.ResourceExhausted(decision.Reason) : MeshErrors.PermissionDenied(decision.Reason);
        }

        return decision.ReservationId;
    }

    /// <summary>Settles a reservation; the work is done, so a failure here must not fail the call.</summary>
    public async Task SettleAsync(string reservationId, Spend actual)
    {
        try
        {
            await decider.SettleAsync(reservationId, actual, CancellationToken.None);
        }
        catch (RpcException)
        {
            // The reservation stays held until identity's sweeper charges it: never undercounted.
        }
    }
}
