using Microsoft.Data.Sqlite;

namespace Mesh.Hosting.Storage;

/// <summary>
/// An embedded SQLite database a service keeps its state in: WAL journal (readers never wait
/// for the writer), pooled connections, writers serialized by <c>BEGIN IMMEDIATE</c> with a busy
/// timeout. The schema is created (or brought up to date) in one write transaction at open.
/// </summary>
public abstract class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly bool _synchronousFull;

    /// <param name="path">The database file; its folder is created when missing.</param>
    /// <param name="createSchema">Creates or updates the schema; runs in a write transaction.</param>
    /// <param name="synchronousFull">
    /// <c>synchronous=FULL</c> on every connection, whatever the SQLite build's default: a
    /// committed transaction then survives a power loss (NORMAL may lose the last commits).
    /// </param>
    protected SqliteDatabase(string path, Action<SqliteConnection, SqliteTransaction> createSchema, bool synchronousFull)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(createSchema);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _synchronousFull = synchronousFull;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        createSchema(connection, transaction);
        transaction.Commit();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        if (_synchronousFull)
        {
            Execute(connection, "PRAGMA synchronous=FULL;");
        }

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

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = Command(connection, sql, transaction);
        command.ExecuteNonQuery();
    }
}
