using System.Data.Common;
using DuckDB.NET.Data;

namespace Mesh.Telemetry.Storage;

/// <summary>
/// Usage kept in an embedded DuckDB file. One writer at a time appends a batch to a staging
/// table and merges it in one transaction, so readers (each on its own connection to the
/// same database) see a batch whole or not at all. The same transaction adds the batch's new
/// events to the hourly roll-up, so whole hours of breakdowns and time series read it.
/// </summary>
public sealed class DuckDbUsageStore : IUsageStore, IDisposable
{
    private readonly string _connectionString;
    private readonly DuckDBConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly UsageSql _sql = new(DuckDbDialect.Instance);

    /// <summary>The ingest mark of the last batch stored (the roll-up compactor's watermark counts these).</summary>
    private long _ingestSeq;

    /// <summary>Opens (or creates) the database at <paramref name="path"/> and its schema.</summary>
    public DuckDbUsageStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = $"Data Source={Path}";
        _writer = new DuckDBConnection(_connectionString);
        try
        {
            _writer.Open();
            Execute(_writer, DuckDbSchema.CreateEvents);
            foreach (var statement in DuckDbSchema.AddedColumns)
            {
                Execute(_writer, statement);
            }

            Execute(_writer, DuckDbSchema.CreatePriceLists);
            Execute(_writer, DuckDbSchema.CreateAlertRules);
            Execute(_writer, DuckDbSchema.CreateVrioCapabilities);
            CreateHourly();
            foreach (var statement in Rollups.RollupSchema.DuckDbStatements())
            {
                Execute(_writer, statement);
            }

            Execute(_writer, DuckDbSchema.CreateStaging);
            using (var last = _writer.CreateCommand())
            {
                last.CommandText = $"SELECT COALESCE(MAX(ingest_seq), 0) FROM {UsageSql.Table}";
                _ingestSeq = Convert.ToInt64(last.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }

            // Telemetry never reads files or URLs through SQL; tenants' queries must not either.
            Execute(_writer, "SET enable_external_access = false");
        }
        catch
        {
            _writer.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public SqlDialect Dialect => DuckDbDialect.Instance;

    public async Task<InsertResult> InsertAsync(IEnumerable<UsageRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var records = batch as IReadOnlyList<UsageRecord> ?? [.. batch];
        var unique = UsageRecord.FirstOfEachEvent(records);
        if (unique.Count == 0)
        {
            return new InsertResult(0, records.Count);
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // Past this point the batch is written whole or not at all, regardless of cancellation.
            using var transaction = _writer.BeginTransaction();
            Execute(_writer, DuckDbSchema.ClearStaging);
            var seq = _ingestSeq + 1;
            using (var appender = _writer.CreateAppender("temp", "main", DuckDbSchema.StagingTable))
            {
                foreach (var record in unique)
                {
                    Append(appender, record, seq);
                }
            }

            Execute(_writer, DuckDbSchema.DropStoredFromStaging);
            var stored = Execute(_writer, DuckDbSchema.MergeStaging);
            Execute(_writer, DuckDbSchema.RollUpStaging);
            Execute(_writer, DuckDbSchema.ClearStaging);
            transaction.Commit();
            _ingestSeq = seq;
            return new InsertResult(stored, records.Count - stored);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<UsageQueryResult> QueryAsync(UsageQuerySpec query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);

        // One read transaction: the rows and the total come from the same snapshot.
        using var transaction = connection.BeginTransaction();
        var rows = await ReadAsync(connection, _sql.Grouped(query), query.GroupBy.Count, cancellationToken);
        var total = query.GroupBy.Count == 0 ? rows[0] : (await ReadAsync(connection, _sql.Total(query), 0, cancellationToken))[0];
        transaction.Commit();
        return new UsageQueryResult(rows, total);
    }

    public async Task<SqlRows> ReadAsync(SqlStatement statement, SqlReadLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(limits);
        using var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        using var command = Command(connection, statement);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limits.Timeout);
        await using var interrupt = timeout.Token.Register(command.Cancel);
        try
        {
            using var reader = await command.ExecuteReaderAsync(timeout.Token);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new SqlRowsColumn(reader.GetName(i), reader.GetDataTypeName(i))).ToList();
            var rows = new List<string?[]>();
            var truncated = false;
            while (await reader.ReadAsync(timeout.Token))
            {
                if (rows.Count == limits.MaxRows)
                {
                    truncated = true;
                    break;
                }

                var row = new string?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : SqlText.Of(reader.GetValue(i));
                }

                rows.Add(row);
            }

            return new SqlRows(columns, rows, truncated);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is OperationCanceledException or DuckDBException)
        {
            throw new TimeoutException($"the query ran past its {limits.Timeout.TotalSeconds:0.#} s limit", ex);
        }
    }

    public async Task ExecuteAsync(SqlStatement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var transaction = _writer.BeginTransaction();
            using var command = Command(_writer, statement);
            command.Transaction = transaction;
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Runs the statements in one transaction on a connection of their own, beside the writer:
    /// the roll-up compactor writes only its own tables, so inserts go on meanwhile and DuckDB's
    /// snapshot keeps what it reads consistent.
    /// </summary>
    public async Task ExecuteAllAsync(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statements);
        using var connection = new DuckDBConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        using var transaction = connection.BeginTransaction();
        foreach (var statement in statements)
        {
            using var command = Command(connection, statement);
            command.Transaction = transaction;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        transaction.Commit();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _writeLock.Dispose();
    }

    private static async Task<List<UsageAggregate>> ReadAsync(DuckDBConnection connection, SqlStatement statement, int keyCount, CancellationToken cancellationToken)
    {
        using var command = Command(connection, statement);
        using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<UsageAggregate>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadAggregate(reader, keyCount));
        }

        return rows;
    }

    private static UsageAggregate ReadAggregate(DbDataReader reader, int keyCount)
    {
        var keys = new string[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            keys[i] = reader.IsDBNull(i) ? "" : reader.GetString(i);
        }

        return new UsageAggregate(
            keys,
            Events: reader.GetInt64(keyCount),
            InputTokens: reader.GetInt64(keyCount + 1),
            OutputTokens: reader.GetInt64(keyCount + 2),
            CachedTokens: reader.GetInt64(keyCount + 3),
            ComputeMs: reader.GetInt64(keyCount + 4) / 1000.0,
            CostUsd: reader.GetDecimal(keyCount + 5),
            Errors: reader.GetInt64(keyCount + 6));
    }

    private static DuckDBCommand Command(DuckDBConnection connection, SqlStatement statement)
    {
        var command = connection.CreateCommand();
        command.CommandText = statement.Text;
        foreach (var value in statement.Parameters)
        {
            command.Parameters.Add(new DuckDBParameter(value));
        }

        return command;
    }

    /// <summary>The hourly roll-up, filled from the events stored before it existed.</summary>
    private void CreateHourly()
    {
        using var exists = _writer.CreateCommand();
        exists.CommandText = DuckDbSchema.HourlyExists;
        var isNew = Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0;
        Execute(_writer, DuckDbSchema.CreateHourly);
        if (isNew)
        {
            Execute(_writer, DuckDbSchema.BackfillHourly);
        }
    }

    private static int Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    private static void Append(DuckDBAppender appender, UsageRecord r, long seq) =>
        appender.CreateRow()
            .AppendValue(r.EventId)
            .AppendValue(r.OccurredAt)
            .AppendValue(r.TenantId)
            .AppendValue(r.PrincipalId)
            .AppendValue(r.AgentId)
            .AppendValue(r.RunId)
            .AppendValue(r.StepId)
            .AppendValue(r.Service)
            .AppendValue(r.Kind)
            .AppendValue(r.Resource)
            .AppendValue(r.ResourceVersion)
            .AppendValue(r.Device)
            .AppendValue(r.InputTokens)
            .AppendValue(r.OutputTokens)
            .AppendValue(r.CachedTokens)
            .AppendValue(r.QueueMs)
            .AppendValue(r.ComputeMs)
            .AppendValue(r.TotalMs)
            .AppendValue(r.BatchSize)
            .AppendValue(r.Status)
            .AppendValue(r.CostUsd)
            .AppendValue(r.PriceVersion)
            .AppendValue(r.Attributes)
            .AppendValue(r.TraceId)
            .AppendValue(r.ReasoningTokens)
            .AppendValue(r.TtftMs)
            .AppendValue(r.PricedAs)
            .AppendValue(seq)
            .EndRow();
}
