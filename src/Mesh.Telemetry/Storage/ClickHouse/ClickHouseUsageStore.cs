using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using ClickHouse.Driver;
using Microsoft.IO;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Usage kept in ClickHouse (distributed mode). Inserts skip ids already stored, so a batch
/// replayed after a crash or retried after a timeout stores each event once; see
/// <see cref="ClickHouseSchema"/> for the whole argument.
/// </summary>
public sealed class ClickHouseUsageStore(IClickHouseClient client, string database, TimeProvider time) : IUsageStore, IDisposable
{
    private static readonly UsageAggregate Empty = new([], 0, 0, 0, 0, 0, 0m, 0);

    private readonly CallOrderTurns _turns = new();
    private readonly RecyclableMemoryStreamManager _rowStreams = new();
    // Reused insert to insert (a few are in flight at most): for a full batch each is a large
    // object, and large objects allocated per batch would bring on a full collection every few batches.
    private readonly ConcurrentBag<InsertScratch> _scratch = [];
    private readonly ClickHouseDialect _dialect = new(database);
    private readonly UsageSql _sql = new(new ClickHouseDialect(database));
    private readonly StoredIdLookup _lookup = new(client.Settings);
    private readonly ClickHouseReader _reader = new(client.Settings);

    public string Database => _dialect.Database;

    public SqlDialect Dialect => _dialect;

    public Task<SqlRows> ReadAsync(SqlStatement statement, SqlReadLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(limits);
        // Values are literals in the text (ClickHouseDialect.Bind): there are no parameters to send.
        return _reader.ReadAsync(statement.Text, limits, cancellationToken);
    }

    public async Task ExecuteAsync(SqlStatement statement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statement);
        await client.ExecuteNonQueryAsync(statement.Text, null, null, cancellationToken);
    }

    public async Task ExecuteAllAsync(IReadOnlyList<SqlStatement> statements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statements);
        foreach (var statement in statements)
        {
            await _reader.ExecuteAsync(statement.Text, cancellationToken);
        }
    }

    public async Task<InsertResult> InsertAsync(IEnumerable<UsageRecord> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // Inserts look up and write one at a time, in the order they were called (the ingestor
        // calls in the order it read its batches): two calls carrying the same id cannot both miss
        // it, and a later batch's replays see an earlier batch's rows.
        using var turn = _turns.Take();
        var scratch = _scratch.TryTake(out var spare) ? spare : new InsertScratch();
        try
        {
            // Pooled: a batch's rows (~200 bytes each) would otherwise be a new large object every insert.
            using var rows = _rowStreams.GetStream(nameof(InsertAsync));
            var ingestedAt = time.GetUtcNow().UtcDateTime;
            var (read, fresh) = (0, 0);
            // One pass that keeps no record it need not: the first of each id is written as it is
            // read, unless it may have arrived before (on the Kafka path, replays only); those wait
            // for one lookup, and only those not found are written.
            foreach (var record in batch)
            {
                read++;
                if (!scratch.Seen.Add(record.EventId))
                {
                    continue;
                }

                if (record.FirstArrival)
                {
                    UsageRowBinary.Write(record, ingestedAt, rows);
                    fresh++;
                }
                else
                {
                    scratch.MayBeStored.Add(record);
                }
            }

            await turn.BeginAsync(cancellationToken);
            if (scratch.MayBeStored.Count > 0)
            {
                var stored = await _lookup.StoredAsync(Database, scratch.MayBeStored, cancellationToken);
                foreach (var record in scratch.MayBeStored.Where(r => !stored.Contains(r.EventId)))
                {
                    UsageRowBinary.Write(record, ingestedAt, rows);
                    fresh++;
                }
            }

            if (fresh > 0)
            {
                rows.Position = 0;
                using var response = await client.InsertRawStreamAsync(
                    $"{Database}.{UsageSql.Table}", rows, "RowBinary", ClickHouseSchema.Columns, useCompression: false, options: null, cancellationToken);
            }

            return new InsertResult(fresh, read - fresh);
        }
        finally
        {
            scratch.Seen.Clear();
            scratch.MayBeStored.Clear();
            _scratch.Add(scratch);
        }
    }

    public async Task<UsageQueryResult> QueryAsync(UsageQuerySpec query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // One statement: with GROUP BY ... WITH TOTALS the rows and the total come from the same read.
        var statement = _sql.Grouped(query);
        using var result = await client.ExecuteRawResultAsync(statement.Text + " FORMAT JSON", null, cancellationToken);
        using var json = JsonDocument.Parse(await result.ReadAsStringAsync());
        var keyCount = query.GroupBy.Count;
        var rows = json.RootElement.GetProperty("data").EnumerateArray().Select(row => Aggregate(row, keyCount)).ToList();
        var total = keyCount == 0
            ? rows[0]
            : json.RootElement.TryGetProperty("totals", out var totals) ? Aggregate(totals, keyCount) with { Keys = [] } : Empty;
        return new UsageQueryResult(rows, total);
    }

    /// <summary>Rows currently stored and distinct event ids among them, over every tenant and time.</summary>
    public async Task<(long Rows, long DistinctIds)> CountAsync(CancellationToken cancellationToken)
    {
        using var result = await client.ExecuteRawResultAsync(
            $"SELECT count() AS c, uniqExact(event_id) AS u FROM {Database}.{UsageSql.Table} FORMAT JSON", null, cancellationToken);
        using var json = JsonDocument.Parse(await result.ReadAsStringAsync());
        var row = json.RootElement.GetProperty("data")[0];
        return (Int64(row.GetProperty("c")), Int64(row.GetProperty("u")));
    }

    public void Dispose()
    {
        _lookup.Dispose();
        _reader.Dispose();
    }

    private static UsageAggregate Aggregate(JsonElement row, int keyCount)
    {
        var values = row.EnumerateObject().Select(p => p.Value).ToList();
        var keys = new string[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            keys[i] = values[i].GetString() ?? "";
        }

        return new UsageAggregate(
            keys,
            Events: Int64(values[keyCount]),
            InputTokens: Int64(values[keyCount + 1]),
            OutputTokens: Int64(values[keyCount + 2]),
            CachedTokens: Int64(values[keyCount + 3]),
            ComputeMs: Int64(values[keyCount + 4]) / 1000.0,
            CostUsd: Decimal(values[keyCount + 5]),
            Errors: Int64(values[keyCount + 6]));
    }

    // 64-bit integers arrive quoted (output_format_json_quote_64bit_integers), decimals as numbers;
    // either may come the other way on other server versions or settings.
    private static long Int64(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64();

    private static decimal Decimal(JsonElement value) =>
        value.ValueKind == JsonValueKind.String
            ? decimal.Parse(value.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
            : value.GetDecimal();

    /// <summary>What one insert keeps while it reads its batch.</summary>
    private sealed class InsertScratch
    {
        public HashSet<Guid> Seen { get; } = [];

        public List<UsageRecord> MayBeStored { get; } = [];
    }
}
