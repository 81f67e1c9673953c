using Microsoft.Data.Sqlite;

namespace Mesh.Tools.Storage;

/// <summary>
/// The tools service's embedded SQLite database: WAL journal (readers never wait for the
/// writer), <c>synchronous=FULL</c> (a committed transaction survives a power loss, which
/// idempotency records must), pooled connections, writers serialized by <c>BEGIN IMMEDIATE</c>.
/// </summary>
public sealed class ToolsDatabase
{
    private readonly string _connectionString;

    public ToolsDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, ToolsSchema.Create, transaction);
        transaction.Commit();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Per connection, whatever the SQLite build's default: NORMAL may lose the last commits on power loss.
        Execute(connection, "PRAGMA synchronous=FULL;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction taken at once (<c>BEGIN IMMEDIATE</c>).</summary>
    public T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var result = work(connection, transaction);
        transaction.Commit();
        return result;
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
