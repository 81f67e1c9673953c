using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authorization;

/// <summary>A question for the decision point: may <see cref="Caller"/> act on the object (and hold the other relations), and reserve this much?</summary>
public sealed record AccessRequest(Caller Caller, string AgentId, string Object, string Relation, UsageBound? MaxUsage, string Digest)
{
    /// <summary>Further relations the caller must hold, as <c>type:id#relation</c>.</summary>
    public IReadOnlyList<string> AlsoRequired { get; init; } = [];
}

/// <summary>The answer: allowed or not, what decided, and the budget reservation the work's usage event settles.</summary>
public sealed record AccessDecision(bool Allowed, string Reason)
{
    /// <summary>The relation or budget that refused, e.g. <c>tool:calculator#invoker</c> or <c>budget tenant</c>.</summary>
    public string DeniedBy { get; init; } = "";

    public bool BudgetExhausted { get; init; }

    /// <summary>The reservation the call's usage event settles; empty when no budget applies.</summary>
    public string ReservationId { get; init; } = "";

    /// <summary>What the reservation holds, a decimal in USD; empty when none.</summary>
    public string ReservedUsd { get; init; } = "";

    public long Revision { get; init; }

    public static AccessDecision Allow(string reason) => new(true, reason);
}

/// <summary>The decision point services ask: identity's relations and budgets, or the credential alone.</summary>
public interface IAccessDecider
{
    ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken);

    /// <summary>True when allow decisions are worth an audit event (they were made against policy).</summary>
    bool AuditsAllows { get; }
}
