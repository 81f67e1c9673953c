using Mesh.Identity.Budgets;
using Mesh.Identity.Relations;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Access;

/// <summary>
/// Decides one access: the relation first, then the budgets of the tenant, the principal and
/// the acting agent, reserving the call's maximum spend in all of them at once.
/// </summary>
public sealed class DecisionPoint(PermissionEngine permissions, IBudgetStore budgets, TimeProvider time)
{
    public const string TenantScope = "tenant";

    public AccessDecision Decide(Caller subject, string agentId, string obj, string relation, Spend maxSpend)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var problem = ObjectRef.TryParse(obj, out var target) ? RelationSchema.Problem(target.Type, relation) : "the object must be type:id";
        if (problem is not null)
        {
            return new AccessDecision(false, $"cannot decide on '{obj}#{relation}': {problem}") { DeniedBy = $"{obj}#{relation}" };
        }

        var check = permissions.Check(Subject(subject), target, relation);
        if (!check.Allowed)
        {
            return new AccessDecision(false, check.Reason) { DeniedBy = check.Missing, Revision = check.Revision };
        }

        var scopes = Scopes(subject, agentId);
        if (!budgets.Any(subject.TenantId, scopes))
        {
            return new AccessDecision(true, check.Reason) { Revision = check.Revision };
        }

        var reservation = budgets.Reserve(subject.TenantId, scopes, Nanos.FromUsdCeiling(maxSpend.CostUsd), maxSpend.Tokens, time.GetUtcNow());
        return reservation.Exhausted
            ? new AccessDecision(false, reservation.Reason) { DeniedBy = $"budget {reservation.ExhaustedScope}", BudgetExhausted = true, Revision = check.Revision }
            : new AccessDecision(true, check.Reason) { ReservationId = reservation.ReservationId, Revision = check.Revision };
    }

    public static CheckSubject Subject(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new CheckSubject(caller.TenantId, new ObjectRef(Caller.KindName(caller.Kind), caller.PrincipalId), caller.IsAdmin, IsCaller: true);
    }

    /// <summary>The budgets a caller's work counts against: its tenant, itself and the agent acting.</summary>
    public static IReadOnlyList<string> Scopes(Caller caller, string agentId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var scopes = new List<string>(3) { TenantScope, caller.Subject };
        if (!string.IsNullOrEmpty(agentId) && caller.Kind != PrincipalKind.Agent)
        {
            scopes.Add($"agent:{agentId}");
        }

        return scopes;
    }
}
