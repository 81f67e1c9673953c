using Grpc.Core;
using Mesh.Identity.Relations;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Access;

/// <summary>Who is calling an identity RPC, and the guards its handlers use.</summary>
public sealed class Requester(PermissionEngine permissions)
{
    public static Caller Current => CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));

    /// <summary>Mesh admins only (the bootstrap key and services).</summary>
    public static Caller RequireMeshAdmin(string what)
    {
        var caller = Current;
        return caller.IsAdmin ? caller : throw MeshErrors.PermissionDenied($"only mesh admins may {what}");
    }

    /// <summary>Mesh admins, or admins of the caller's tenant (<c>tenant:&lt;id&gt;#admin</c>).</summary>
    public Caller RequireTenantAdmin(string what)
    {
        var caller = Current;
        return IsTenantAdmin(caller) ? caller
            : throw MeshErrors.PermissionDenied($"{caller.Subject} lacks the relation tenant:{caller.TenantId}#admin needed to {what}");
    }

    public bool IsTenantAdmin(Caller caller) => permissions.IsTenantAdmin(DecisionPoint.Subject(caller));

    /// <summary>Tokens are delegations: they never mint longer-lived credentials.</summary>
    public static void RefuseTokens(Caller caller, string what)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.CredentialId?.StartsWith("token:", StringComparison.Ordinal) == true)
        {
            throw MeshErrors.PermissionDenied($"a token cannot {what}; use an API key");
        }
    }
}
