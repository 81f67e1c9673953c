using System.Data.Common;
using DuckDB.NET.Data;

namespace Mesh.Telemetry.Storage;

/// <summary>
/// Usage kept in an embedded DuckDB file. One writer at a time appends a batch to a staging
/// table and merges it in one transaction, so readers (each on its own connection to the
/// same database) see a batch whole or not at all.
/// </summary>
public sealed class DuckDbUsageStore : IUsageStore, IDisposable
{
    private readonly string _connectionString;
    private readonly DuckDBConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly UsageSql _sql = new(DuckDbDialect.Instance);

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
            Execute(_writer, DuckDbSchema.CreateStaging);
        }
        catch
        {
            _writer.Dispose();
            throw;
        }
    }

    /// <summary>The full path of the database file.</summary>
    public string Path { get; }

    public async Task<InsertResult> InsertAsync(IReadOnlyList<UsageRecord> batch, CancellationToken cancellationToken)
    {
        var unique = UsageRecord.FirstOfEachEvent(batch);
        if (unique.Count == 0)
        {
            return new InsertResult(0, batch.Count);
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            // Past this point the batch is written whole or not at all, regardless of cancellation.
            using var transaction = _writer.BeginTransaction();
            Execute(_writer, DuckDbSchema.ClearStaging);
            using (var appender = _writer.CreateAppender("temp", "main", DuckDbSchema.StagingTable))
            {
                foreach (var record in unique)
                {
                    Append(appender, record);
                }
            }

            var stored = Execute(_writer, DuckDbSchema.MergeStaging);
            Execute(_writer, DuckDbSchema.ClearStaging);
            transaction.Commit();
            return new InsertResult(stored, batch.Count - stored);
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

    private static int Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    private static void Append(DuckDBAppender appender, UsageRecord r) =>
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
            .EndRow();
}
