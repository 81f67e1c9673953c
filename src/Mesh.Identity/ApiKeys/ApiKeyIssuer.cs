using Mesh.Identity.Access;
using Mesh.Identity.Api;
using Mesh.Identity.Principals;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.Security.Authentication;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Identity.ApiKeys;

/// <summary>
/// Creates, lists and revokes API keys. A key is returned once; only its digest is stored.
/// Callers make keys for themselves within their own scope; tenant admins for any principal.
/// </summary>
public sealed class ApiKeyIssuer(IApiKeyStore keys, IPrincipalStore principals, Requester requester, TimeProvider time)
{
    public CreateApiKeyResponse Create(CreateApiKeyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Requester.Current;
        requester.RefuseTokens(caller, "create API keys");
        var principal = string.IsNullOrWhiteSpace(request.PrincipalId) ? caller.PrincipalId : Names.Principal(request.PrincipalId, "principal_id");
        if (principal != caller.PrincipalId || caller.IsAdmin)
        {
            requester.RequireTenantAdmin("create keys for other principals");
            if (principals.FindPrincipal(caller.TenantId, principal) is null)
            {
                throw MeshErrors.NotFound("principal", principal, $"create it first in tenant {caller.TenantId} (mesh principals create {principal})");
            }
        }

        var requested = Canonical(PrincipalMapping.ToScope(request.Scope));
        var own = caller.Scope ?? AccessScope.Unrestricted;
        if (!own.Contains(requested))
        {
            throw MeshErrors.PermissionDenied("a key's scope cannot be wider than the scope of the credential creating it");
        }

        if (request.TtlSeconds < 0 || request.TtlSeconds > MaxTtlSeconds)
        {
            throw MeshErrors.InvalidArgument("ttl_seconds", $"is {request.TtlSeconds}; give 0 (never expires) up to {MaxTtlSeconds} (10 years)");
        }

        if (request.Name?.Length > MaxNameLength)
        {
            throw MeshErrors.InvalidArgument("name", $"has {request.Name.Length} characters; at most {MaxNameLength}");
        }

        var now = time.GetUtcNow();
        var expires = request.TtlSeconds > 0 ? now.AddSeconds(request.TtlSeconds) : (DateTimeOffset?)null;
        if (caller.ExpiresAt is { } callerExpires && (expires is null || expires > callerExpires))
        {
            expires = callerExpires; // a key never outlives the key that made it
        }

        var (key, keyId) = ApiKeyFormat.Generate();
        var record = new ApiKeyRecord(keyId, ApiKeyFormat.Digest(key), caller.TenantId, principal, request.Name?.Trim() ?? "", own.Narrow(requested), now, expires, null);
        keys.Add(record);
        return new CreateApiKeyResponse { ApiKey = key, Info = record.ToContract() };
    }

    private const long MaxTtlSeconds = 10L * 366 * 24 * 3600;
    private const int MaxNameLength = 200;

    private static AccessScope Canonical(AccessScope scope) => scope with
    {
        Tools = [.. scope.Tools.Select(CanonicalId.Of)],
        Models = [.. scope.Models.Select(CanonicalId.Of)],
        Agents = [.. scope.Agents.Select(CanonicalId.Of)],
    };

    public ListApiKeysResponse List(ListApiKeysRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Requester.Current;
        var principal = request.PrincipalId;
        if (string.IsNullOrEmpty(principal) || principal != caller.PrincipalId)
        {
            if (!requester.IsTenantAdmin(caller))
            {
                principal = caller.PrincipalId; // members see their own keys
            }
        }

        var response = new ListApiKeysResponse();
        response.Keys.AddRange(keys.List(caller.TenantId, principal).Select(k => k.ToContract()));
        return response;
    }

    public ApiKeyInfo Revoke(RevokeApiKeyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Requester.Current;
        requester.RefuseTokens(caller, "revoke API keys");
        var key = keys.Find(request.KeyId?.Trim() ?? "");
        if (key is null || key.TenantId != caller.TenantId)
        {
            throw MeshErrors.NotFound("API key", request.KeyId ?? "", "list your keys with mesh keys list");
        }

        var own = key.PrincipalId == caller.PrincipalId;
        if (Requester.IsDelegated(caller) && key.KeyId != caller.CredentialId?["key:".Length..])
        {
            throw requester.Refuse(caller, "api key", "a scoped key can revoke only itself; revoke other keys with an unscoped key or as a tenant admin");
        }

        if (!own && !requester.IsTenantAdmin(caller))
        {
            throw MeshErrors.NotFound("API key", request.KeyId ?? "", "list your keys with mesh keys list");
        }

        keys.Revoke(caller.TenantId, key.KeyId, time.GetUtcNow());
        return keys.Find(key.KeyId)!.ToContract();
    }
}
