using Mesh.Identity.Relations;
using Mesh.Security.Authorization;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.Access;

/// <summary>
/// Who is calling an identity RPC, and the guards its handlers use. Every refusal by a guard is
/// audited. A delegated credential (a token acting for an agent, or any scoped key or token)
/// never passes an admin check: it stands for less than its subject, never for all of it.
/// </summary>
public sealed class Requester(PermissionEngine permissions, AccessAudit audit)
{
    public static Caller Current => CallScope.Current?.Caller ?? throw MeshErrors.Unauthenticated("not authenticated");

    /// <summary>Is the credential a delegation (an actor or a scope) rather than the principal itself?</summary>
    public static bool IsDelegated(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.ActorId is not null || caller.Scope is not null;
    }

    /// <summary>Is the caller's credential a token (not an API key or configured key)?</summary>
    public static bool IsToken(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.CredentialId?.StartsWith("token:", StringComparison.Ordinal) == true;
    }

    /// <summary>Mesh admins only (the bootstrap key).</summary>
    public Caller RequireMeshAdmin(string what)
    {
        var caller = Current;
        return caller.IsAdmin ? caller : throw Refuse(caller, "mesh admin", $"only mesh admins may {what}");
    }

    /// <summary>Mesh admins, or admins of the caller's tenant (<c>tenant:&lt;id&gt;#admin</c>) acting with their own, undelegated credential.</summary>
    public Caller RequireTenantAdmin(string what)
    {
        var caller = Current;
        if (IsTenantAdmin(caller))
        {
            return caller;
        }

        var reason = IsDelegated(caller)
            ? $"{Describe(caller)} cannot {what}: only a tenant admin's own credential (no actor, no scope) may"
            : $"{caller.Subject} lacks the relation tenant:{caller.TenantId}#admin needed to {what}";
        throw Refuse(caller, $"tenant:{caller.TenantId}#admin", reason);
    }

    public bool IsTenantAdmin(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.IsAdmin || !IsDelegated(caller) && permissions.IsTenantAdmin(DecisionPoint.Subject(caller));
    }

    /// <summary>Tokens are delegations: they never mint or revoke longer-lived credentials.</summary>
    public void RefuseTokens(Caller caller, string what)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (IsToken(caller))
        {
            throw Refuse(caller, "api key", $"a token cannot {what}; use an API key");
        }
    }

    /// <summary>Audits a refusal of an identity RPC and returns the PermissionDenied to throw.</summary>
    public Grpc.Core.RpcException Refuse(Caller caller, string deniedBy, string reason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var scope = CallScope.Current;
        var request = new AccessRequest(caller, scope?.AgentId ?? "", $"tenant:{caller.TenantId}", "admin", null, "");
        audit.Record(request, scope?.Method ?? "", new AccessDecision(false, reason) { DeniedBy = deniedBy });
        return MeshErrors.PermissionDenied(reason);
    }

    private static string Describe(Caller caller) =>
        caller.ActorId is { } actor ? $"a credential of {caller.Subject} acting as agent:{actor}" : $"a scoped credential of {caller.Subject}";
}
