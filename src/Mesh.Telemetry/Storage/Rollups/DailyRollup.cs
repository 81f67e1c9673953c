using Mesh.Telemetry.Analytics.Metrics;

namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>
/// A daily roll-up of the events, kept by <see cref="RollupCompactor"/> off the insert path: per
/// compaction batch, UTC day and its keys (columns named as in <c>usage_events</c>), its values: latency
/// histogram cells (<see cref="IsLatency"/>) or the sums a replay prices.
/// </summary>
public sealed record DailyRollup(string Table, IReadOnlyList<string> Keys, IReadOnlyList<RollupValue> Values, bool IsLatency, DailyRollup? DerivedFrom = null)
{
    /// <summary>Whether the roll-up keeps every one of these <c>usage_events</c> columns.</summary>
    public bool Covers(IEnumerable<string> columns) => columns.All(Keys.Contains);

    /// <summary>
    /// The SELECT of (batch, day, keys..., values...) over the events of <paramref name="source"/>
    /// matching <paramref name="where"/>; for a derived roll-up, over its source's rows of the
    /// batch whose <c>day</c> matches <paramref name="where"/>.
    /// </summary>
    public string Select(SqlDialect dialect, string source, long batch, string where)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var keys = string.Join(", ", Keys);
        if (DerivedFrom is not null)
        {
            // Summed from the finer roll-up's rows of the same batch (written before this one).
            var groups = string.Join(", ", Keys.Concat(Values.Where(v => v.Name != "events").Select(v => v.Name)));
            return $"SELECT batch, day, {groups}, {dialect.ToInt64("SUM(events)")} AS events FROM {dialect.Table(DerivedFrom.Table)}"
                + $" WHERE {where} AND batch = {batch.ToString(System.Globalization.CultureInfo.InvariantCulture)} GROUP BY batch, day, {groups}";
        }

        var head = $"{dialect.ToInt64(batch.ToString(System.Globalization.CultureInfo.InvariantCulture))} AS batch, {dialect.DayStart("occurred_at")} AS day, {keys}";
        if (IsLatency)
        {
            var pairs = LatencyMeasure.All.Select(m => (
                dialect.ToInt64(m.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                m.Condition is null ? m.BucketSql(dialect) : dialect.ToInt64($"CASE WHEN {m.Condition} THEN {m.BucketSql(dialect)} ELSE -1 END"))).ToList();
            return $"SELECT batch, day, {keys}, m AS measure, h AS bucket, {dialect.ToInt64("COUNT(*)")} AS events"
                + $" FROM (SELECT {head}, {dialect.Explode(pairs)} FROM {source} WHERE {where}) t WHERE h >= 0 GROUP BY batch, day, {keys}, m, h";
        }

        return $"SELECT {head}, {dialect.ToInt64("COUNT(*)")} AS events, {dialect.ToInt64("SUM(input_tokens)")} AS input_tokens,"
            + $" {dialect.ToInt64("SUM(cached_tokens)")} AS cached_tokens, {dialect.ToInt64("SUM(output_tokens)")} AS output_tokens,"
            + $" {dialect.ToInt64("SUM(COALESCE(reasoning_tokens, 0))")} AS reasoning_tokens,"
            + $" {dialect.ToInt64("SUM(" + dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)") + ")")} AS compute_us,"
            + $" SUM({dialect.ToWideDecimal("cost_usd")}) AS cost_usd FROM {source} WHERE {where} GROUP BY batch, day, {keys}";
    }
}

/// <summary>A value column of a roll-up: a 64-bit integer or a wide decimal.</summary>
public sealed record RollupValue(string Name, bool IsDecimal = false);

/// <summary>The daily roll-ups and the tables that record their compactions.</summary>
public static class RollupSchema
{
    /// <summary>(batch, day): the days each finished or attempted compaction batch rebuilt.</summary>
    public const string DaysTable = "usage_rollup_days";

    /// <summary>
    /// (batch, watermark, closed_before, compacted_at): one row per finished compaction; the
    /// largest batch holds the current watermark, and the UTC day (epoch seconds) from which on
    /// days are still open, never rolled up, and read from the events.
    /// </summary>
    public const string BatchesTable = "usage_rollup_batches";

    private static readonly RollupValue[] LatencyValues = [new("measure"), new("bucket"), new("events")];

    /// <summary>Latency histograms per day and tenant, kind, resource, version and device, for tenant-scoped queries.</summary>
    public static readonly DailyRollup TenantLatency = new(
        "usage_latency_daily_tenant", ["tenant_id", "kind", "resource", "resource_version", "device"], LatencyValues, IsLatency: true);

    /// <summary>
    /// Latency histograms per day, kind and resource, for queries over every tenant: one cell per
    /// (measure, log bucket of <see cref="LatencyMeasure"/>), the same buckets the event scan ranks.
    /// </summary>
    public static readonly DailyRollup Latency = new("usage_latency_daily", ["kind", "resource"], LatencyValues, IsLatency: true, DerivedFrom: TenantLatency);

    /// <summary>
    /// Usage per day and every dimension a cost replay groups or prices by, and status: the sums
    /// linear prices apply to, what was billed, and what metrics sum.
    /// </summary>
    public static readonly DailyRollup Daily = new(
        "usage_daily",
        ["tenant_id", "agent_id", "service", "kind", "resource", "priced_as", "resource_version", "device", "status"],
        [new("events"), new("input_tokens"), new("cached_tokens"), new("output_tokens"), new("reasoning_tokens"), new("compute_us"), new("cost_usd", IsDecimal: true)],
        IsLatency: false);

    /// <summary>Every roll-up, in the order a compaction writes them (a derived one after its source).</summary>
    public static IReadOnlyList<DailyRollup> All { get; } = [TenantLatency, Latency, Daily];

    /// <summary>The roll-up tables and the compaction record, for DuckDB.</summary>
    public static IEnumerable<string> DuckDbStatements()
    {
        foreach (var rollup in All)
        {
            yield return $"CREATE TABLE IF NOT EXISTS {rollup.Table} (batch BIGINT NOT NULL, day TIMESTAMP NOT NULL, "
                + string.Join(", ", rollup.Keys.Select(k => $"{k} VARCHAR NOT NULL").Concat(rollup.Values.Select(v => $"{v.Name} {(v.IsDecimal ? "DECIMAL(38,9)" : "BIGINT")} NOT NULL")))
                + ")";
        }

        foreach (var statement in Vrio.VrioRollup.DuckDbStatements())
        {
            yield return statement;
        }

        yield return $"CREATE TABLE IF NOT EXISTS {DaysTable} (batch BIGINT NOT NULL, day TIMESTAMP NOT NULL)";
        yield return $"CREATE TABLE IF NOT EXISTS {BatchesTable} (batch BIGINT NOT NULL, watermark BIGINT NOT NULL, closed_before BIGINT NOT NULL, compacted_at TIMESTAMP NOT NULL)";
    }

    /// <summary>The roll-up tables and the compaction record, for ClickHouse (plain MergeTree: superseded rows are deleted after each compaction).</summary>
    public static IEnumerable<string> ClickHouseStatements(string db)
    {
        foreach (var rollup in All)
        {
            yield return $"CREATE TABLE IF NOT EXISTS {db}.{rollup.Table} (batch Int64, day DateTime('UTC'), "
                + string.Join(", ", rollup.Keys.Select(k => $"{k} String").Concat(rollup.Values.Select(v => $"{v.Name} {(v.IsDecimal ? "Decimal(38, 9)" : "Int64")}")))
                + $") ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (day, {string.Join(", ", rollup.Keys)}, batch)";
        }

        foreach (var statement in Vrio.VrioRollup.ClickHouseStatements(db))
        {
            yield return statement;
        }

        yield return $"CREATE TABLE IF NOT EXISTS {db}.{DaysTable} (batch Int64, day DateTime('UTC')) ENGINE = MergeTree() ORDER BY (day, batch)";
        yield return $"CREATE TABLE IF NOT EXISTS {db}.{BatchesTable} (batch Int64, watermark Int64, closed_before Int64, compacted_at DateTime('UTC')) ENGINE = MergeTree() ORDER BY batch";
    }
}
