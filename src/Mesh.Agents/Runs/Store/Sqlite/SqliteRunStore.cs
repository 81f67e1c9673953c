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

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static RunRecord ReadRun(SqliteDataReader r) => new()
    {
        Id = r.GetString(0),
        Tenant = r.GetString(1),
        PrincipalId = r.GetString(2),
        PrincipalKind = r.GetString(3),
        IsAdmin = r.GetInt64(4) != 0,
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
        CancelRequested = r.GetInt64(25) != 0,
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
        run.Id, run.Tenant, run.PrincipalId, run.PrincipalKind, run.IsAdmin ? 1 : 0, run.TenantHeader, run.Workflow, run.Version, run.Pins,
        Status(run.Status), run.InputsJson, run.ClientRequestId, run.RequestDigest, run.ParentRunId, run.ParentStep, run.ParentIndex,
        run.CreatedAt, run.UpdatedAt, run.Deadline, run.MaxSteps, run.LastSeq, run.StepsDone, run.Cursor, run.WaitingFor, run.WakeAt,
        run.CancelRequested ? 1 : 0, run.CancelReason, run.Credential, run.OutputJson, run.ErrorCode, run.ErrorMessage, run.ErrorStep,
        run.LeaseOwner, run.LeaseExpires, run.Fence,
    ];

    internal static string Status(RunState state) => state.ToString().ToLowerInvariant();

    private static readonly string InsertRunSql =
        $"INSERT INTO runs({SqliteSchema.RunColumns}) VALUES ({string.Join(", ", Enumerable.Range(1, 35).Select(i => $"${i}"))})";
}
