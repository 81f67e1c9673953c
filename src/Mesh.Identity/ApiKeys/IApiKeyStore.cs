using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.ApiKeys;

/// <summary>An API key as stored: its id and the SHA-256 digest of the key, never the key.</summary>
public sealed record ApiKeyRecord(
    string KeyId,
    byte[] Digest,
    string TenantId,
    string PrincipalId,
    string Name,
    AccessScope Scope,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);

public interface IApiKeyStore
{
    void Add(ApiKeyRecord key);

    ApiKeyRecord? Find(string keyId);

    IReadOnlyList<ApiKeyRecord> List(string tenantId, string? principalId);

    /// <summary>Ids of keys revoked at or after <paramref name="since"/> (their tokens must die with them).</summary>
    IReadOnlyList<string> RevokedSince(DateTimeOffset since);

    /// <summary>Marks the key revoked; false when the tenant has no such key.</summary>
    bool Revoke(string tenantId, string keyId, DateTimeOffset at);
}
