using Mesh.Identity.Budgets;
using Mesh.Identity.Relations;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Access;

/// <summary>Who a decision is about: the principal, the agent acting for it, and whether its credential is delegated.</summary>
public sealed record DecisionSubject(Caller Caller, string AgentId, bool Delegated);

/// <summary>
/// Decides one access: the relation first (and any further relations the request needs), then
/// the budgets of the tenant, the principal and the acting agent, reserving the call's maximum
/// use (priced with telemetry's price list, plus any fixed cost and tokens asked for on top) in
/// all of them at once.
/// </summary>
public sealed class DecisionPoint(PermissionEngine permissions, IBudgetStore budgets, ReservationPricer pricer, TimeProvider time)
{
    public const string TenantScope = "tenant";

    public async ValueTask<AccessDecision> DecideAsync(
        DecisionSubject subject, string obj, string relation, IReadOnlyList<string> alsoRequired, UsageBound? maxUsage, long extraCostNanos, long extraTokens,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(alsoRequired);
        var who = Subject(subject.Caller, subject.Delegated);
        long revision = 0;
        foreach (var (target, needed) in alsoRequired.Select(Split).Prepend((obj, relation)))
        {
            var problem = ObjectRef.TryParse(target, out var reference) ? RelationSchema.Problem(reference.Type, needed) : "the object must be type:id";
            if (problem is not null)
            {
                return new AccessDecision(false, $"cannot decide on '{target}#{needed}': {problem}") { DeniedBy = $"{target}#{needed}" };
            }

            var check = permissions.Check(who, reference, needed);
            revision = Math.Max(revision, check.Revision);
            if (!check.Allowed)
            {
                return new AccessDecision(false, check.Reason) { DeniedBy = check.Missing, Revision = check.Revision };
            }
        }

        var reason = $"{who.Subject} may {relation} {obj}";
        var scopes = Scopes(subject.Caller, subject.AgentId);
        // A call that uses nothing billable (reading one's own usage, say) is not held back by a
        // used-up budget: a tenant must still be able to see what it spent.
        if (!budgets.Any(subject.Caller.TenantId, scopes)
            || await pricer.AskAsync(maxUsage, extraCostNanos, extraTokens, cancellationToken) is not { } ask)
        {
            return new AccessDecision(true, reason) { Revision = revision };
        }

        var reservation = budgets.Reserve(subject.Caller.TenantId, scopes, ask, time.GetUtcNow());
        return reservation.Exhausted
            ? new AccessDecision(false, reservation.Reason) { DeniedBy = $"budget {reservation.ExhaustedScope}", BudgetExhausted = true, Revision = revision }
            : new AccessDecision(true, reason)
            {
                ReservationId = reservation.ReservationId,
                ReservedUsd = reservation.ReservationId.Length > 0 ? Nanos.Format(reservation.ReservedNanos) : "",
                Revision = revision,
            };
    }

    /// <summary>The subject of a check: the caller itself, as a delegated credential when it has an actor or a scope.</summary>
    public static CheckSubject Subject(Caller caller, bool? delegated = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new CheckSubject(caller.TenantId, new ObjectRef(Caller.KindName(caller.Kind), caller.PrincipalId), caller.IsAdmin, IsCaller: true)
        {
            Delegated = delegated ?? Requester.IsDelegated(caller),
        };
    }

    /// <summary>The budgets a caller's work counts against: its tenant, itself and the agent acting.</summary>
    public static IReadOnlyList<string> Scopes(Caller caller, string agentId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var scopes = new List<string>(3) { TenantScope, caller.Subject };
        if (!string.IsNullOrEmpty(agentId) && caller.Kind != PrincipalKind.Agent)
        {
            scopes.Add($"agent:{CanonicalId.Of(agentId)}");
        }

        return scopes;
    }

    private static (string Object, string Relation) Split(string relation)
    {
        var hash = relation.LastIndexOf('#');
        return hash > 0 ? (relation[..hash], relation[(hash + 1)..].Trim().ToLowerInvariant()) : (relation, "");
    }
}
