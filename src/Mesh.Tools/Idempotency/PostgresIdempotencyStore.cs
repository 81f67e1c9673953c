using Mesh.Tools.Storage.Postgres;
using Npgsql;

namespace Mesh.Tools.Idempotency;

/// <summary>
/// Idempotency records in PostgreSQL, shared by every tools replica: a claim is one transaction
/// that locks the key's row (<c>SELECT ... FOR UPDATE</c>) or inserts it, so of two replicas
/// claiming one key at once exactly one holds it and the other sees it running (or its outcome);
/// completing and releasing only touch the row while the same claim holds it.
/// </summary>
public sealed class PostgresIdempotencyStore(ToolsPostgres database) : IIdempotencyStore
{
    private const string Columns = "fingerprint, tool, claimed_until, status, detail, field, response, expires_at";

    public async ValueTask<IdempotencyClaim?> PeekAsync(string tenant, string key, byte[] fingerprint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        var record = await ReadAsync(connection, null, $"SELECT {Columns} FROM tool_idempotency WHERE tenant = $1 AND key = $2 AND expires_at > $3 AND status IS NOT NULL",
            [tenant, key, now.ToUnixTimeMilliseconds()], cancellationToken);
        return record?.Record.Answer(fingerprint, now);
    }

    public async ValueTask<IdempotencyClaim> ClaimAsync(IdempotencyClaimRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        while (true)
        {
            await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var found = await ReadAsync(connection, transaction, $"SELECT {Columns} FROM tool_idempotency WHERE tenant = $1 AND key = $2 FOR UPDATE",
                [request.Tenant, request.Key], cancellationToken);
            var live = found is { } row && row.ExpiresAt > now;
            if (live && found!.Value.Record.Answer(request.Fingerprint, now) is { } answer)
            {
                await transaction.CommitAsync(cancellationToken);
                return answer;
            }

            if (found is not null)
            {
                // A record past its retention, or one whose holder let its claim lapse: this call holds the key now.
                await using var takeOver = ToolsPostgres.Command(connection, transaction, """
                    UPDATE tool_idempotency SET fingerprint = $3, tool = $4, claim_id = $5, claimed_until = $6, expires_at = $7,
                        status = NULL, detail = NULL, field = NULL, response = NULL, completed_at = NULL
                    WHERE tenant = $1 AND key = $2
                    """, Values(request));
                await takeOver.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new IdempotencyClaim(ClaimState.Claimed, request.Tool, TakenOver: live);
            }

            await using var insert = ToolsPostgres.Command(connection, transaction, """
                INSERT INTO tool_idempotency(tenant, key, fingerprint, tool, claim_id, claimed_until, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, key) DO NOTHING
                """, Values(request));
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                await transaction.CommitAsync(cancellationToken);
                return new IdempotencyClaim(ClaimState.Claimed, request.Tool);
            }

            // Another replica inserted the key after this one looked (the insert waited for its commit): look again.
            await transaction.RollbackAsync(cancellationToken);
        }
    }

    public async ValueTask<bool> CompleteAsync(string tenant, string key, string claimId, StoredOutcome outcome, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var command = ToolsPostgres.Command(connection, null, """
            UPDATE tool_idempotency SET status = $4, detail = $5, field = $6, response = $7, completed_at = $8, expires_at = $9
            WHERE tenant = $1 AND key = $2 AND claim_id = $3 AND status IS NULL
            """, tenant, key, claimId, outcome.Status, outcome.Detail, outcome.Field, outcome.Response,
            now.ToUnixTimeMilliseconds(), expiresAt.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async ValueTask ReleaseAsync(string tenant, string key, string claimId, CancellationToken cancellationToken)
    {
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var command = ToolsPostgres.Command(connection, null,
            "DELETE FROM tool_idempotency WHERE tenant = $1 AND key = $2 AND claim_id = $3 AND status IS NULL", tenant, key, claimId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask<int> SweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.Source.OpenConnectionAsync(cancellationToken);
        await using var command = ToolsPostgres.Command(connection, null, "DELETE FROM tool_idempotency WHERE expires_at <= $1", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static object[] Values(IdempotencyClaimRequest request) =>
    [
        request.Tenant, request.Key, request.Fingerprint, request.Tool, request.ClaimId,
        request.ClaimedUntil.ToUnixTimeMilliseconds(), request.ExpiresAt.ToUnixTimeMilliseconds(),
    ];

    private static async Task<(IdempotencyRecord Record, DateTimeOffset ExpiresAt)?> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = ToolsPostgres.Command(connection, transaction, sql, values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var outcome = reader.IsDBNull(3) ? null : new StoredOutcome(
            reader.GetInt32(3),
            reader.IsDBNull(4) ? "" : reader.GetString(4),
            reader.IsDBNull(5) ? "" : reader.GetString(5),
            reader.IsDBNull(6) ? [] : reader.GetFieldValue<byte[]>(6));
        var record = new IdempotencyRecord(reader.GetFieldValue<byte[]>(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), outcome);
        return (record, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)));
    }
}
