using System.Globalization;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Security.Authorization;

/// <summary>
/// Asks identity's <c>Permissions.Authorize</c> (relation check and budget reservation in one
/// round trip) with the service's own credential, naming the subject it authenticated.
/// </summary>
public sealed class IdentityAccessDecider(
    Permissions.PermissionsClient permissions,
    Budgets.BudgetsClient budgets,
    ServiceCredential credential,
    TimeProvider time) : IAccessDecider
{
    public bool AuditsAllows => true;

    public async ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = request.Caller;
        var message = new AuthorizeRequest
        {
            Subject = new Subject
            {
                TenantId = caller.TenantId,
                PrincipalId = caller.PrincipalId,
                Kind = Caller.KindName(caller.Kind),
                Admin = caller.IsAdmin,
                ActorId = request.AgentId,
            },
            Object = request.Object,
            Relation = request.Relation,
            MaxCostUsd = request.MaxSpend.CostUsd.ToString(CultureInfo.InvariantCulture),
            MaxTokens = request.MaxSpend.Tokens,
            RequestDigest = request.Digest,
        };
        try
        {
            var response = await permissions.AuthorizeAsync(message, credential.Headers(), Deadline(), cancellationToken);
            return new AccessDecision(response.Allowed, response.Reason)
            {
                DeniedBy = response.DeniedBy,
                BudgetExhausted = response.BudgetExhausted,
                ReservationId = response.ReservationId,
                Revision = response.Revision,
            };
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable("the permission check could not be made: the identity service is unreachable; retry shortly");
        }
    }

    public async ValueTask SettleAsync(string reservationId, Spend actual, CancellationToken cancellationToken)
    {
        if (reservationId.Length == 0)
        {
            return;
        }

        var request = new SettleRequest { ReservationId = reservationId, CostUsd = actual.CostUsd.ToString(CultureInfo.InvariantCulture), Tokens = actual.Tokens };
        await budgets.SettleAsync(request, credential.Headers(), Deadline(), cancellationToken);
    }

    private DateTime Deadline() => time.GetUtcNow().UtcDateTime.AddSeconds(10);
}
