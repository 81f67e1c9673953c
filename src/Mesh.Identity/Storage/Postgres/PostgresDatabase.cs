using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// The PostgreSQL database identity replicas share: one pooled data source whose statements are
/// prepared automatically (a check's few queries are parsed and planned once per connection),
/// the schema migrated on open, and write transactions retried when PostgreSQL aborts one to
/// break a deadlock or a serialization conflict.
/// </summary>
public sealed class PostgresDatabase : IDisposable
{
    private const int Attempts = 5;
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        // Identity never changes session state, so a connection back from the pool needs no reset round trip.
        settings.NoResetOnClose = true;
        _source = NpgsqlDataSource.Create(settings);
        PostgresSchema.Migrate(this);
    }

    public NpgsqlConnection Open() => _source.OpenConnection();

    /// <summary>One round trip, for health checks.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> in a READ COMMITTED transaction and commits; retried on deadlock or serialization failure.</summary>
    public T Write<T>(Func<NpgsqlConnection, NpgsqlTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        for (var attempt = 1; ; attempt++)
        {
            using var connection = Open();
            using var transaction = connection.BeginTransaction();
            try
            {
                var result = work(connection, transaction);
                transaction.Commit();
                return result;
            }
            catch (PostgresException ex) when (attempt < Attempts && ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                // The other transaction went through; this one starts again on the state it left.
            }
        }
    }

    /// <summary>One statement on a connection of its own; the number of rows it changed.</summary>
    public int Execute(string sql, params object?[] arguments)
    {
        using var connection = Open();
        using var command = Command(connection, null, sql, arguments);
        return command.ExecuteNonQuery();
    }

    public List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> map, params object?[] arguments)
    {
        using var connection = Open();
        return Query(connection, null, sql, map, arguments);
    }

    public static List<T> Query<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, Func<NpgsqlDataReader, T> map, params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var command = Command(connection, transaction, sql, arguments);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>A command with positional parameters (<c>$1</c>, <c>$2</c>, ...).</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(Parameter(argument));
        }

        return command;
    }

    /// <summary>Several statements sent together: one round trip.</summary>
    public static NpgsqlBatch Batch(NpgsqlConnection connection, NpgsqlTransaction? transaction, params (string Sql, object?[] Arguments)[] statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var (sql, arguments) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var argument in arguments)
            {
                command.Parameters.Add(Parameter(argument));
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    public static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
    }

    public static long? Long(NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
    }

    public void Dispose() => _source.Dispose();

    private static NpgsqlParameter Parameter(object? value) => new() { Value = value ?? DBNull.Value };
}
