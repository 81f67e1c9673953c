using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;

namespace Mesh.Security.Authorization;

/// <summary>
/// Asks identity's <c>Permissions.Authorize</c> (relation checks and the budget reservation in
/// one round trip) with the service's own credential, naming the subject it authenticated.
/// </summary>
public sealed class IdentityAccessDecider(
    Permissions.PermissionsClient permissions,
    IServiceCredentials credentials,
    IOptions<MeshGrpcOptions> grpc,
    TimeProvider time) : IAccessDecider
{
    public bool AuditsAllows => true;

    public async ValueTask<AccessDecision> DecideAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var message = new AuthorizeRequest
        {
            Subject = SubjectOf(request.Caller, request.AgentId),
            Object = request.Object,
            Relation = request.Relation,
            MaxUsage = request.MaxUsage,
            RequestDigest = request.Digest,
        };
        message.Also.AddRange(request.AlsoRequired);
        try
        {
            var headers = await credentials.HeadersAsync(cancellationToken);
            var response = await permissions.AuthorizeAsync(message, headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
            return new AccessDecision(response.Allowed, response.Reason)
            {
                DeniedBy = response.DeniedBy,
                BudgetExhausted = response.BudgetExhausted,
                ReservationId = response.ReservationId,
                ReservedUsd = response.ReservedUsd,
                Revision = response.Revision,
            };
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw MeshErrors.Unavailable("the permission check could not be made: the identity service is unreachable; retry shortly");
        }
    }

    /// <summary>The subject as identity's decision point takes it.</summary>
    public static Subject SubjectOf(Caller caller, string agentId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new Subject
        {
            TenantId = caller.TenantId,
            PrincipalId = caller.PrincipalId,
            Kind = Caller.KindName(caller.Kind),
            Admin = caller.IsAdmin,
            ActorId = agentId,
            Delegated = caller.ActorId is not null || caller.Scope is not null,
        };
    }
}
