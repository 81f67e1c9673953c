using Microsoft.Data.Sqlite;

namespace Mesh.Agents.Runs.Store.Sqlite;

/// <summary>
/// The embedded run store: one SQLite file in WAL mode, written by one group-committing writer,
/// read on pooled connections. One process owns the file (a lock file says so), so leases left
/// by a process that died are cleared when the next one opens it and its runs resume at once.
/// </summary>
public sealed partial class SqliteRunStore : IRunStore, IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly SqliteWriter _writer;
    private readonly FileStream _lock;

    public SqliteRunStore(string path, bool fullSync)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        try
        {
            _lock = new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"the run store {full} is open in another agents process; embedded mode runs one process per store (use PostgreSQL for replicas): {ex.Message}", ex);
        }

        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        var writer = new SqliteConnection(_connectionString);
        writer.Open();
        Execute(writer, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(fullSync ? "FULL" : "NORMAL")};");
        Execute(writer, SqliteSchema.Create);

        // The process that held these leases is gone (the lock file was free): its runs go on now.
        Execute(writer, "UPDATE runs SET lease_owner = '', lease_expires = 0 WHERE lease_owner <> ''");
        _writer = new SqliteWriter(writer);
    }

    public bool Shared => false;

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        await _lock.DisposeAsync();
    }

    private SqliteConnection OpenRead()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params object?[] values)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters.AddWithValue($"${i + 1}", values[i] ?? DBNull.Value);
        }

        return command;
    }

    private static int Run(SqliteConnection connection, SqliteTransaction? transaction, string sql, params object?[] values)
    {
        using var command = Command(connection, transaction, sql, values);
        return command.ExecuteNonQuery();
    }

    private static List<T> Query<T>(SqliteConnection connection, SqliteTransaction? transaction, string sql, Func<SqliteDataReader, T> map, params object?[] values)
    {
        using var command = Command(connection, transaction, sql, values);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }
}
