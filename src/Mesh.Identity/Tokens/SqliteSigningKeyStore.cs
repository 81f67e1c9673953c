using Mesh.Identity.Storage;

namespace Mesh.Identity.Tokens;

public sealed class SqliteSigningKeyStore(IdentityDatabase database) : ISigningKeyStore
{
    public IReadOnlyList<SigningKeyRecord> Active(DateTimeOffset now)
    {
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            "SELECT key_id, private_key, created_at, retires_at FROM signing_keys WHERE retires_at IS NULL OR retires_at > $now ORDER BY created_at DESC",
            null, ("$now", now.ToUnixTimeMilliseconds()));
        using var reader = command.ExecuteReader();
        var keys = new List<SigningKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new SigningKeyRecord(reader.GetString(0), (byte[])reader.GetValue(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }

        return keys;
    }

    public bool Contains(string keyId)
    {
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection, "SELECT 1 FROM signing_keys WHERE key_id = $id", null, ("$id", keyId));
        return command.ExecuteScalar() is not null;
    }

    public void Rotate(SigningKeyRecord key, DateTimeOffset retireOthersAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        database.Write((connection, transaction) =>
        {
            using var retire = IdentityDatabase.Command(connection, "UPDATE signing_keys SET retires_at = $at WHERE retires_at IS NULL OR retires_at > $at",
                transaction, ("$at", retireOthersAt.ToUnixTimeMilliseconds()));
            retire.ExecuteNonQuery();
            using var insert = IdentityDatabase.Command(connection,
                "INSERT INTO signing_keys(key_id, private_key, created_at, retires_at) VALUES ($id, $key, $at, NULL)", transaction,
                ("$id", key.KeyId), ("$key", key.PrivateKey), ("$at", key.CreatedAt.ToUnixTimeMilliseconds()));
            return insert.ExecuteNonQuery();
        });
    }
}
