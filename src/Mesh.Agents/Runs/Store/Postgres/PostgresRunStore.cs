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
}
