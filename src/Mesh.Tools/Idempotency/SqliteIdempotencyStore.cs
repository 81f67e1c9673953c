using Mesh.Tools.Storage;
using Microsoft.Data.Sqlite;

namespace Mesh.Tools.Idempotency;

/// <summary>Idempotency records in the tools database (SQLite, one process; its calls complete synchronously).</summary>
public sealed class SqliteIdempotencyStore(ToolsDatabase database) : IIdempotencyStore
{
    private const string SelectRecord = """
        SELECT fingerprint, tool, claimed_until, status, detail, field, response
        FROM idempotency WHERE tenant = $tenant AND key = $key AND expires_at > $now
        """;

    public ValueTask<IdempotencyClaim?> PeekAsync(string tenant, string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = database.Open();
        var record = Read(connection, null, tenant, key, now);
        return ValueTask.FromResult(record is { Outcome: not null } ? record.Answer(fingerprint, now) : null);
    }

    public ValueTask<IdempotencyClaim> ClaimAsync(IdempotencyClaimRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ValueTask.FromResult(database.Write((connection, transaction) =>
        {
            var record = Read(connection, transaction, request.Tenant, request.Key, now);
            var answer = record?.Answer(request.Fingerprint, now);
            if (answer is not null)
            {
                return answer;
            }

            // No live record, or one whose holder let its claim lapse: this call holds the key now.
            using var command = ToolsDatabase.Command(connection, """
                INSERT INTO idempotency(tenant, key, fingerprint, tool, claim_id, claimed_until, expires_at)
                VALUES ($tenant, $key, $fingerprint, $tool, $claim, $until, $expires)
                ON CONFLICT(tenant, key) DO UPDATE SET fingerprint = excluded.fingerprint, tool = excluded.tool,
                    claim_id = excluded.claim_id, claimed_until = excluded.claimed_until, expires_at = excluded.expires_at,
                    status = NULL, detail = NULL, field = NULL, response = NULL, completed_at = NULL
                """, transaction,
                ("$tenant", request.Tenant), ("$key", request.Key), ("$fingerprint", request.Fingerprint), ("$tool", request.Tool),
                ("$claim", request.ClaimId), ("$until", request.ClaimedUntil.ToUnixTimeMilliseconds()), ("$expires", request.ExpiresAt.ToUnixTimeMilliseconds()));
            command.ExecuteNonQuery();
            return new IdempotencyClaim(ClaimState.Claimed, request.Tool, TakenOver: record is not null);
        }));
    }

    public ValueTask<bool> CompleteAsync(string tenant, string key, string claimId, StoredOutcome outcome, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return ValueTask.FromResult(database.Write((connection, transaction) =>
        {
            using var command = ToolsDatabase.Command(connection, """
                UPDATE idempotency SET status = $status, detail = $detail, field = $field, response = $response,
                    completed_at = $now, expires_at = $expires
                WHERE tenant = $tenant AND key = $key AND claim_id = $claim AND status IS NULL
                """, transaction,
                ("$status", outcome.Status), ("$detail", outcome.Detail), ("$field", outcome.Field), ("$response", outcome.Response),
                ("$now", now.ToUnixTimeMilliseconds()), ("$expires", expiresAt.ToUnixTimeMilliseconds()),
                ("$tenant", tenant), ("$key", key), ("$claim", claimId));
            return command.ExecuteNonQuery() == 1;
        }));
    }

    public ValueTask ReleaseAsync(string tenant, string key, string claimId, CancellationToken cancellationToken)
    {
        database.Write((connection, transaction) =>
        {
            using var command = ToolsDatabase.Command(connection,
                "DELETE FROM idempotency WHERE tenant = $tenant AND key = $key AND claim_id = $claim AND status IS NULL", transaction,
                ("$tenant", tenant), ("$key", key), ("$claim", claimId));
            return command.ExecuteNonQuery();
        });
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken) => ValueTask.FromResult(database.Write((connection, transaction) =>
    {
        using var command = ToolsDatabase.Command(connection, "DELETE FROM idempotency WHERE expires_at <= $now", transaction,
            ("$now", now.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery();
    }));

    private static IdempotencyRecord? Read(SqliteConnection connection, SqliteTransaction? transaction, string tenant, string key, DateTimeOffset now)
    {
        using var command = ToolsDatabase.Command(connection, SelectRecord, transaction,
            ("$tenant", tenant), ("$key", key), ("$now", now.ToUnixTimeMilliseconds()));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var outcome = reader.IsDBNull(3) ? null : new StoredOutcome(
            reader.GetInt32(3),
            reader.IsDBNull(4) ? "" : reader.GetString(4),
            reader.IsDBNull(5) ? "" : reader.GetString(5),
            reader.IsDBNull(6) ? [] : (byte[])reader.GetValue(6));
        return new IdempotencyRecord((byte[])reader.GetValue(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), outcome);
    }
}
