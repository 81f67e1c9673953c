using Mesh.Identity.Tokens;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// Signing keys in the shared database. Rotations take a transaction-level advisory lock, so two
/// replicas rotating at once run one after the other and the second retires the first one's
/// key; a unique index on the current key makes two current keys impossible in any case.
/// </summary>
public sealed class PostgresSigningKeyStore(PostgresDatabase database) : ISigningKeyStore
{
    private const long RotationLock = 0x6d65_7368_6964_02;

    public IReadOnlyList<SigningKeyRecord> Active(DateTimeOffset now) => database.Query(
        "SELECT key_id, private_key, created_at, retires_at FROM signing_keys WHERE retires_at IS NULL OR retires_at > $1 ORDER BY created_at DESC, key_id",
        r => new SigningKeyRecord(r.GetString(0), (byte[])r.GetValue(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), PostgresDatabase.Time(r, 3)),
        now.ToUnixTimeMilliseconds());

    public bool Contains(string keyId) =>
        database.Query("SELECT EXISTS(SELECT 1 FROM signing_keys WHERE key_id = $1)", r => r.GetBoolean(0), keyId).Single();

    public void Rotate(SigningKeyRecord key, DateTimeOffset retireOthersAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        database.Write((connection, transaction) =>
        {
            // Statement by statement: each takes its snapshot after the lock, so it sees a rotation that committed while this one waited.
            using (var rotationLock = PostgresDatabase.Command(connection, transaction, "SELECT pg_advisory_xact_lock($1)", RotationLock))
            {
                rotationLock.ExecuteNonQuery();
            }

            using (var retire = PostgresDatabase.Command(connection, transaction,
                "UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL OR retires_at > $1", retireOthersAt.ToUnixTimeMilliseconds()))
            {
                retire.ExecuteNonQuery();
            }

            using var insert = PostgresDatabase.Command(connection, transaction,
                "INSERT INTO signing_keys(key_id, private_key, created_at, retires_at) VALUES ($1, $2, $3, NULL)",
                key.KeyId, key.PrivateKey, key.CreatedAt.ToUnixTimeMilliseconds());
            return insert.ExecuteNonQuery();
        });
    }
}
