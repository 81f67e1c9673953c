using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Auth;

namespace Mesh.Identity;

/// <summary>Answers who the mesh takes a caller to be.</summary>
public sealed class IdentityService : V1.Identity.IdentityBase
{
    public override Task<Principal> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        return Task.FromResult(new Principal
        {
            Id = caller.PrincipalId,
            TenantId = caller.TenantId,
            Kind = caller.Kind.ToString().ToLowerInvariant(),
            Admin = caller.IsAdmin,
            DisplayName = caller.PrincipalId,
        });
    }
}
