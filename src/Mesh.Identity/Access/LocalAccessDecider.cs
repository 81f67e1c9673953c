using Mesh.Security.Authorization;

namespace Mesh.Identity.Access;

/// <summary>Identity is the decision point: it asks its own engine and budgets, with no round trip.</summary>
public sealed class LocalAccessDecider(DecisionPoint decisions) : IAccessDecider
{
    public bool AuditsAllows => true;

    public ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var subject = new DecisionSubject(request.Caller, request.AgentId, Requester.IsDelegated(request.Caller));
        return decisions.DecideAsync(subject, request.Object, request.Relation, request.AlsoRequired, request.MaxUsage, 0, 0, cancellationToken);
    }
}
