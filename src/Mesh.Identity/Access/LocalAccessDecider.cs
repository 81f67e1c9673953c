using Mesh.Identity.Budgets;
using Mesh.Security.Authorization;

namespace Mesh.Identity.Access;

/// <summary>Identity is the decision point: it asks its own engine and budgets, with no round trip.</summary>
public sealed class LocalAccessDecider(DecisionPoint decisions, IBudgetStore budgets) : IAccessDecider
{
    public bool AuditsAllows => true;

    public ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(decisions.Decide(request.Caller, request.AgentId, request.Object, request.Relation, request.MaxSpend));
    }

    public ValueTask SettleAsync(string reservationId, Spend actual, CancellationToken cancellationToken)
    {
        if (reservationId.Length > 0)
        {
            budgets.Settle(reservationId, Nanos.FromUsd(actual.CostUsd), actual.Tokens);
        }

        return ValueTask.CompletedTask;
    }
}
