using System.Text.Json;
using Mesh.Identity.ApiKeys;
using Mesh.ServiceDefaults.Calls;
using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>API keys in the shared database: a revocation is seen by every replica's next lookup (no cache here).</summary>
public sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    private const string Columns = "key_id, digest, tenant, principal, name, scope, created_at, expires_at, revoked_at";

    public void Add(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        database.Execute($"INSERT INTO api_keys({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
            key.KeyId, key.Digest, key.TenantId, key.PrincipalId, key.Name, JsonSerializer.Serialize(key.Scope),
            key.CreatedAt.ToUnixTimeMilliseconds(), key.ExpiresAt?.ToUnixTimeMilliseconds());
    }

    public ApiKeyRecord? Find(string keyId) => database.Query($"SELECT {Columns} FROM api_keys WHERE key_id = $1", Read, keyId).FirstOrDefault();

    public IReadOnlyList<ApiKeyRecord> List(string tenantId, string? principalId) => string.IsNullOrEmpty(principalId)
        ? database.Query($"SELECT {Columns} FROM api_keys WHERE tenant = $1 ORDER BY created_at, key_id", Read, tenantId)
        : database.Query($"SELECT {Columns} FROM api_keys WHERE tenant = $1 AND principal = $2 ORDER BY created_at, key_id", Read, tenantId, principalId);

    public IReadOnlyList<string> RevokedSince(DateTimeOffset since) =>
        database.Query("SELECT key_id FROM api_keys WHERE revoked_at >= $1 ORDER BY key_id", r => r.GetString(0), since.ToUnixTimeMilliseconds());

    public bool Revoke(string tenantId, string keyId, DateTimeOffset at) =>
        database.Execute("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE key_id = $2 AND tenant = $3",
            at.ToUnixTimeMilliseconds(), keyId, tenantId) == 1;

    private static ApiKeyRecord Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        (byte[])reader.GetValue(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        JsonSerializer.Deserialize<AccessScope>(reader.GetString(5)) ?? AccessScope.Unrestricted,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        PostgresDatabase.Time(reader, 7),
        PostgresDatabase.Time(reader, 8));
}
