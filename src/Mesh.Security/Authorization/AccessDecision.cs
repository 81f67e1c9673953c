using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authorization;

/// <summary>A question for the decision point: may <see cref="Caller"/> act on the object, and reserve this much?</summary>
public sealed record AccessRequest(Caller Caller, string AgentId, string Object, string Relation, Spend MaxSpend, string Digest);

/// <summary>The answer: allowed or not, what decided, and the budget reservation to settle.</summary>
public sealed record AccessDecision(bool Allowed, string Reason)
{
    /// <summary>The relation or budget that refused, e.g. <c>tool:calculator#invoker</c> or <c>budget tenant</c>.</summary>
    public string DeniedBy { get; init; } = "";

    public bool BudgetExhausted { get; init; }

    /// <summary>The reservation to settle after the work; empty when no budget applies.</summary>
    public string ReservationId { get; init; } = "";

    public long Revision { get; init; }

    public static AccessDecision Allow(string reason) => new(true, reason);
}

/// <summary>The decision point services ask: identity's relations and budgets, or the credential alone.</summary>
public interface IAccessDecider
{
    ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken);

    /// <summary>Charges the real spend and releases the rest of the reservation.</summary>
    ValueTask SettleAsync(string reservationId, Spend actual, CancellationToken cancellationToken);

    /// <summary>True when allow decisions are worth an audit event (they were made against policy).</summary>
    bool AuditsAllows { get; }
}
