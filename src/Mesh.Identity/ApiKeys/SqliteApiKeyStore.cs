using System.Text.Json;
using Mesh.Identity.Storage;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.ApiKeys;

public sealed class SqliteApiKeyStore(IdentityDatabase database) : IApiKeyStore
{
    private const string Columns = "key_id, digest, tenant, principal, name, scope, created_at, expires_at, revoked_at";

    public void Add(ApiKeyRecord key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            $"INSERT INTO api_keys({Columns}) VALUES ($id, $digest, $tenant, $principal, $name, $scope, $created, $expires, NULL)", null,
            ("$id", key.KeyId), ("$digest", key.Digest), ("$tenant", key.TenantId), ("$principal", key.PrincipalId), ("$name", key.Name),
            ("$scope", JsonSerializer.Serialize(key.Scope)), ("$created", key.CreatedAt.ToUnixTimeMilliseconds()),
            ("$expires", key.ExpiresAt?.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    }

    public ApiKeyRecord? Find(string keyId) => Read($"SELECT {Columns} FROM api_keys WHERE key_id = $id", ("$id", keyId)).FirstOrDefault();

    public IReadOnlyList<ApiKeyRecord> List(string tenantId, string? principalId) => string.IsNullOrEmpty(principalId)
        ? Read($"SELECT {Columns} FROM api_keys WHERE tenant = $tenant ORDER BY created_at", ("$tenant", tenantId))
        : Read($"SELECT {Columns} FROM api_keys WHERE tenant = $tenant AND principal = $principal ORDER BY created_at",
            ("$tenant", tenantId), ("$principal", principalId));

    public IReadOnlyList<string> RevokedSince(DateTimeOffset since)
    {
        using var snapshot = database.Read();
        using var reader = snapshot.Command("SELECT key_id FROM api_keys WHERE revoked_at >= $since ORDER BY key_id", ("$since", since.ToUnixTimeMilliseconds())).ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public bool Revoke(string tenantId, string keyId, DateTimeOffset at)
    {
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $at) WHERE key_id = $id AND tenant = $tenant", null,
            ("$at", at.ToUnixTimeMilliseconds()), ("$id", keyId), ("$tenant", tenantId));
        return command.ExecuteNonQuery() == 1;
    }

    private List<ApiKeyRecord> Read(string sql, params ReadOnlySpan<(string, object?)> parameters)
    {
        using var snapshot = database.Read();
        using var reader = snapshot.Command(sql, parameters).ExecuteReader();
        var keys = new List<ApiKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new ApiKeyRecord(
                reader.GetString(0),
                (byte[])reader.GetValue(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                JsonSerializer.Deserialize<AccessScope>(reader.GetString(5)) ?? AccessScope.Unrestricted,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                Time(reader, 7),
                Time(reader, 8)));
        }

        return keys;
    }

    private static DateTimeOffset? Time(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
