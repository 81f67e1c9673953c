using System.Security.Cryptography;
using Mesh.Identity.Principals;
using Mesh.Security.Authentication;
using Mesh.Security.Authentication.ApiKeys;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.ApiKeys;

/// <summary>
/// Checks a Mesh API key against the store: known key id, matching digest (constant time),
/// not revoked, not expired. Identity uses it for its own callers and answers services with it.
/// </summary>
public sealed class ApiKeyVerifier(IApiKeyStore keys, IPrincipalStore principals, TimeProvider time) : IApiKeyResolver
{
    private const string NotValid = "the API key is not valid";

    public ValueTask<AuthenticationResult> ResolveAsync(string apiKey, CancellationToken cancellationToken) => ValueTask.FromResult(Verify(apiKey));

    public AuthenticationResult Verify(string apiKey)
    {
        if (!ApiKeyFormat.TryParse(apiKey, out var keyId) || keys.Find(keyId) is not { } record
            || !CryptographicOperations.FixedTimeEquals(record.Digest, ApiKeyFormat.Digest(apiKey)))
        {
            return AuthenticationResult.Fail(NotValid);
        }

        if (record.RevokedAt is not null)
        {
            return AuthenticationResult.Fail($"the API key {keyId} has been revoked");
        }

        if (record.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return AuthenticationResult.Fail($"the API key {keyId} has expired");
        }

        var kind = principals.FindPrincipal(record.TenantId, record.PrincipalId)?.Kind ?? PrincipalKind.User;
        return AuthenticationResult.Success(new Caller(record.PrincipalId, record.TenantId, kind, IsAdmin: false)
        {
            Scope = record.Scope.IsUnrestricted ? null : record.Scope,
            CredentialId = $"key:{keyId}",
            ExpiresAt = record.ExpiresAt,
            Source = $"key:{keyId}",
        });
    }
}
