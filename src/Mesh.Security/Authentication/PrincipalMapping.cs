using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>Converts between the identity contract's principals and scopes and <see cref="Caller"/>.</summary>
public static class PrincipalMapping
{
    public static Caller ToCaller(Principal principal, string keyId)
    {
        ArgumentNullException.ThrowIfNull(principal);
        _ = Caller.TryParseKind(principal.Kind, out var kind); // unknown kinds are users: the least privileged
        var scope = ToScope(principal.Scope);
        return new Caller(principal.Id, principal.TenantId, kind, principal.Admin)
        {
            ActorId = string.IsNullOrEmpty(principal.ActorId) ? null : principal.ActorId,
            Scope = scope.IsUnrestricted ? null : scope,
            CredentialId = $"key:{keyId}",
        };
    }

    public static AccessScope ToScope(CredentialScope? scope) => scope is null
        ? AccessScope.Unrestricted
        : new AccessScope { Tools = [.. scope.Tools], Models = [.. scope.Models], Agents = [.. scope.Agents], RunId = scope.RunId };

    public static CredentialScope ToContract(AccessScope? scope)
    {
        var contract = new CredentialScope();
        if (scope is not null)
        {
            contract.Tools.AddRange(scope.Tools);
            contract.Models.AddRange(scope.Models);
            contract.Agents.AddRange(scope.Agents);
            contract.RunId = scope.RunId;
        }

        return contract;
    }
}
