using Npgsql;

namespace Mesh.Agents.Runs.Store.Postgres;

/// <summary>
/// The run store replicas share: PostgreSQL, each commit one transaction whose first statement
/// checks the lease's fencing token and the run's last event (a replica that lost its lease
/// changes nothing), leases claimed with <c>FOR UPDATE SKIP LOCKED</c> so replicas never take
/// the same run at once. The schema is migrated under an advisory lock.
/// </summary>
public sealed partial class PostgresRunStore : IRunStore, IDisposable
{
    private const long MigrationLock = 0x6d65_7368_6167_01;
    private readonly NpgsqlDataSource _source;

    public PostgresRunStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        settings.NoResetOnClose = true;
        _source = NpgsqlDataSource.Create(settings);
        Migrate();
    }

    public bool Shared => true;

    public void Dispose() => _source.Dispose();

    private void Migrate()
    {
        using var connection = _source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Run(connection, transaction, "SELECT pg_advisory_xact_lock($1)", MigrationLock);
        Run(connection, transaction, PostgresSchema.Create);
        transaction.Commit();
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    private static int Run(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        using var command = Command(connection, transaction, sql, values);
        return command.ExecuteNonQuery();
    }

    private static async Task<int> RunAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = Command(connection, transaction, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<T>> QueryAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = Command(connection, transaction, sql, values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken, params object?[] values)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        return await QueryAsync(connection, null, sql, map, cancellationToken, values);
    }

    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                var result = await work(connection, transaction);
                await transaction.CommitAsync(cancellationToken);
                return result;
            }
            catch (PostgresException ex) when (attempt < 5 && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation)
            {
                // Another transaction went first; this one starts again on what it left.
            }
        }
    }

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static RunRecord ReadRun(NpgsqlDataReader r) => new()
    {
        Id = r.GetString(0),
        Tenant = r.GetString(1),
        PrincipalId = r.GetString(2),
        PrincipalKind = r.GetString(3),
        IsAdmin = r.GetBoolean(4),
        TenantHeader = r.GetString(5),
        Workflow = r.GetString(6),
        Version = r.GetInt32(7),
        Pins = r.GetString(8),
        Status = Enum.Parse<RunState>(r.GetString(9), ignoreCase: true),
        InputsJson = r.GetString(10),
        ClientRequestId = NullableString(r, 11),
        RequestDigest = r.GetString(12),
        ParentRunId = r.GetString(13),
        ParentStep = r.GetString(14),
        ParentIndex = r.GetInt32(15),
        CreatedAt = r.GetInt64(16),
        UpdatedAt = r.GetInt64(17),
        Deadline = r.GetInt64(18),
        MaxSteps = r.GetInt32(19),
        LastSeq = r.GetInt32(20),
        StepsDone = r.GetInt32(21),
        Cursor = r.GetString(22),
        WaitingFor = r.GetString(23),
        WakeAt = r.IsDBNull(24) ? null : r.GetInt64(24),
        CancelRequested = r.GetBoolean(25),
        CancelReason = r.GetString(26),
        Credential = r.GetString(27),
        OutputJson = NullableString(r, 28),
        ErrorCode = NullableString(r, 29),
        ErrorMessage = NullableString(r, 30),
        ErrorStep = NullableString(r, 31),
        LeaseOwner = r.GetString(32),
        LeaseExpires = r.GetInt64(33),
        Fence = r.GetInt64(34),
    };

    private static object?[] RunValues(RunRecord run) =>
    [
        run.Id, run.Tenant, run.PrincipalId, run.PrincipalKind, run.IsAdmin, run.TenantHeader, run.Workflow, run.Version, run.Pins,
        Sqlite.SqliteRunStore.Status(run.Status), run.InputsJson, run.ClientRequestId, run.RequestDigest, run.ParentRunId, run.ParentStep, run.ParentIndex,
        run.CreatedAt, run.UpdatedAt, run.Deadline, run.MaxSteps, run.LastSeq, run.StepsDone, run.Cursor, run.WaitingFor, run.WakeAt,
        run.CancelRequested, run.CancelReason, run.Credential, run.OutputJson, run.ErrorCode, run.ErrorMessage, run.ErrorStep,
        run.LeaseOwner, run.LeaseExpires, run.Fence,
    ];

    private static readonly string InsertRunSql =
        $"INSERT INTO runs({PostgresSchema.RunColumns}) VALUES ({string.Join(", ", Enumerable.Range(1, 35).Select(i => $"${i}"))})";
}
