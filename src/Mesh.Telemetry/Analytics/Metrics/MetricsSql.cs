using System.Globalization;
using System.Text;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>
/// The SQL of metrics: sums per bucket and group, and latency histograms, for any dialect. Where
/// the store keeps an hourly roll-up and the query fits it (its dimensions and filters are the
/// roll-up's, its buckets whole hours or coarser), the whole hours of the window come from the
/// roll-up and only the partial hours at its edges from the events.
/// </summary>
public sealed class MetricsSql(SqlDialect dialect)
{
    /// <summary>Columns of <see cref="Sums(MetricsSpec, RollupState)"/> after the bucket and keys.</summary>
    public static readonly IReadOnlyList<string> SumColumns = ["events", "errors", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "compute_us", "cost_usd"];

    /// <summary>The sums, and whether the roll-up answered part of them.</summary>
    public (SqlStatement Statement, bool Rollup) Sums(MetricsSpec spec) => Sums(spec, null);

    /// <summary>
    /// The sums, and whether a roll-up answered part of them: with a compaction
    /// <paramref name="state"/>, the daily roll-up's clean days; then the hourly roll-up's whole
    /// hours of what is left; then the events.
    /// </summary>
    public (SqlStatement Statement, bool Rollup) Sums(MetricsSpec spec, RollupState? state)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parameters = new List<object>();
        var keys = spec.GroupBy.Select((d, i) => $"{MetricDimensions.Sql(d, dialect)} AS k{i}").ToList();
        var branches = new List<string>();
        var left = new List<(DateTime From, DateTime To)> { (spec.From, spec.To) };
        var used = false;
        if (DailySums(spec, state) is { } days && state is not null)
        {
            used = true;
            branches.Add(RollupSums(spec, keys, "day", dialect.Table(RollupSchema.Daily.Table), state.DayCondition(dialect, days), parameters));
            left = [.. state.EventWindows(spec.From, spec.To, days)];
        }

        var rawWindows = left;
        if (RollupHours(spec) is not null)
        {
            rawWindows = [];
            var hours = new List<(DateTime From, DateTime To)>();
            foreach (var (from, to) in left)
            {
                var first = TimeBucket.Hour.Start(from) == from ? from : TimeBucket.Hour.Start(from).AddHours(1);
                var last = TimeBucket.Hour.Start(to);
                if (first < last)
                {
                    hours.Add((first, last));
                    rawWindows.Add((from, first));
                    rawWindows.Add((last, to));
                }
                else
                {
                    rawWindows.Add((from, to));
                }
            }

            if (hours.Count > 0)
            {
                used = true;
                var condition = string.Join(" OR ", hours.Select(h => $"(hour >= {dialect.Time(parameters, h.From)} AND hour < {dialect.Time(parameters, h.To)})"));
                branches.Add(RollupSums(spec, keys, "hour", dialect.HourlyRollup!, $"({condition})", parameters));
            }
        }

        var windows = rawWindows.Where(w => w.From < w.To).ToList();
        if (windows.Count > 0 || branches.Count == 0)
        {
            if (windows.Count == 0)
            {
                windows.Add((spec.From, spec.To));
            }

            branches.Add("SELECT " + string.Join(", ", new[] { Bucket(spec, "occurred_at") }.Concat(keys).Concat(
            [
                dialect.ToInt64("1") + " AS n",
                dialect.ToInt64($"CASE WHEN status <> '{UsageNames.Ok}' THEN 1 ELSE 0 END") + " AS er",
                dialect.ToInt64("input_tokens") + " AS i",
                dialect.ToInt64("output_tokens") + " AS o",
                dialect.ToInt64("cached_tokens") + " AS c",
                dialect.ToInt64("COALESCE(reasoning_tokens, 0)") + " AS rt",
                dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)") + " AS us",
                dialect.ToWideDecimal("cost_usd") + " AS cost",
            ]))
            + $" FROM {dialect.AnalyticsSource} WHERE ({string.Join(" OR ", windows.Select(w => "(" + dialect.TimeWindow(parameters, w.From, w.To) + ")"))})"
            + Filters(spec, parameters));
        }

        var groups = string.Join(", ", new[] { "b" }.Concat(spec.GroupBy.Select((_, i) => $"k{i}")));
        var sql = new StringBuilder("SELECT ").Append(groups).Append(", ")
            .Append(string.Join(", ", new[] { "n", "er", "i", "o", "c", "rt", "us" }.Select(c => dialect.ToInt64($"SUM({c})"))))
            .Append(", SUM(cost) FROM (").Append(string.Join(" UNION ALL ", branches)).Append(") t GROUP BY ").Append(groups)
            .Append(" ORDER BY ").Append(groups);
        return (new SqlStatement(sql.ToString(), parameters), used);
    }

    /// <summary>A branch of <see cref="Sums(MetricsSpec, RollupState)"/> over a roll-up of sums (same value columns, whatever its time column).</summary>
    private string RollupSums(MetricsSpec spec, List<string> keys, string time, string table, string condition, List<object> parameters) =>
        "SELECT " + string.Join(", ", new[] { Bucket(spec, time) }.Concat(keys).Concat(
        [
            dialect.ToInt64("events") + " AS n",
            dialect.ToInt64($"CASE WHEN status <> '{UsageNames.Ok}' THEN events ELSE 0 END") + " AS er",
            dialect.ToInt64("input_tokens") + " AS i",
            dialect.ToInt64("output_tokens") + " AS o",
            dialect.ToInt64("cached_tokens") + " AS c",
            dialect.ToInt64("reasoning_tokens") + " AS rt",
            dialect.ToInt64("compute_us") + " AS us",
            dialect.ToWideDecimal("cost_usd") + " AS cost",
        ]))
        + $" FROM {table} WHERE {condition}" + Filters(spec, parameters);

    /// <summary>The whole days the daily roll-up may answer the sums of, or null.</summary>
    private static (DateTime From, DateTime To)? DailySums(MetricsSpec spec, RollupState? state)
    {
        if (!spec.UseRollup || state is null || spec.Bucket is { CoversDays: false } || RollupState.WholeDays(spec.From, spec.To) is not { } days
            || state.Dirty.Count == (days.To - days.From).TotalDays)
        {
            return null;
        }

        var needed = spec.GroupBy.Concat(spec.Filters.Select(f => f.Dimension)).Append("kind").Append("status");
        return needed.All(d => !d.StartsWith(MetricDimensions.AttributePrefix, StringComparison.Ordinal)
            && RollupSchema.Daily.Keys.Contains(MetricDimensions.Sql(d, DuckDbDialect.Instance))) ? days : null;
    }

    /// <summary>(bucket, keys..., measure, histogram bucket, count) for each measure, from one scan of the events.</summary>
    public SqlStatement Histograms(MetricsSpec spec, IReadOnlyList<LatencyMeasure> measures) => Histograms(spec, measures, null).Statement;

    /// <summary>
    /// (bucket, keys..., measure, histogram bucket, count) for each measure. With a compaction
    /// <paramref name="state"/> and a query a daily latency roll-up fits, whole days come from the
    /// roll-up except days with events past its watermark; those, the partial days at the
    /// window's edges (or everything) come from one scan of the events, bucketed as the roll-up was.
    /// </summary>
    public (SqlStatement Statement, bool Rollup) Histograms(MetricsSpec spec, IReadOnlyList<LatencyMeasure> measures, RollupState? state)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(measures);
        var parameters = new List<object>();
        var keys = spec.GroupBy.Select((d, i) => $"{MetricDimensions.Sql(d, dialect)} AS k{i}").ToList();
        var groups = string.Join(", ", new[] { "b" }.Concat(spec.GroupBy.Select((_, i) => $"k{i}")).Append("m").Append("h"));
        var branches = new List<string>();
        var windows = new List<(DateTime From, DateTime To)> { (spec.From, spec.To) };
        var (rollup, days) = LatencyRollup(spec, state);
        if (rollup is not null && days is { } whole && state is not null)
        {
            var wanted = string.Join(", ", measures.Select(m => m.Index.ToString(CultureInfo.InvariantCulture)));
            branches.Add("SELECT " + string.Join(", ", new[] { Bucket(spec, "day") }.Concat(keys)
                .Append("measure AS m").Append("bucket AS h").Append(dialect.ToInt64("events") + " AS n"))
                + $" FROM {dialect.Table(rollup.Table)} WHERE {state.DayCondition(dialect, whole)} AND measure IN ({wanted})" + Filters(spec, parameters));
            windows = [.. state.EventWindows(spec.From, spec.To, whole)];
        }

        if (windows.Count > 0)
        {
            var pairs = measures.Select(m => (
                dialect.ToInt64(m.Index.ToString(CultureInfo.InvariantCulture)),
                m.Condition is null ? m.BucketSql(dialect) : dialect.ToInt64($"CASE WHEN {m.Condition} THEN {m.BucketSql(dialect)} ELSE -1 END"))).ToList();
            var inner = "SELECT " + string.Join(", ", new[] { Bucket(spec, "occurred_at") }.Concat(keys).Append(dialect.Explode(pairs)))
                + $" FROM {dialect.AnalyticsSource} WHERE ({string.Join(" OR ", windows.Select(w => "(" + dialect.TimeWindow(parameters, w.From, w.To) + ")"))})"
                + Filters(spec, parameters);
            branches.Add($"SELECT {groups}, {dialect.ToInt64("COUNT(*)")} AS n FROM ({inner}) e WHERE h >= 0 GROUP BY {groups}");
        }

        return (new SqlStatement(
            $"SELECT {groups}, {dialect.ToInt64("SUM(n)")} FROM ({string.Join(" UNION ALL ", branches)}) t GROUP BY {groups} ORDER BY {groups}", parameters), rollup is not null);
    }

    /// <summary>The smallest daily latency roll-up that keeps the query's dimensions, and the whole days it may answer.</summary>
    private static (DailyRollup? Rollup, (DateTime From, DateTime To)? Days) LatencyRollup(MetricsSpec spec, RollupState? state)
    {
        if (!spec.UseRollup || state is null || spec.Bucket is { CoversDays: false } || RollupState.WholeDays(spec.From, spec.To) is not { } days
            || state.Dirty.Count == (days.To - days.From).TotalDays)
        {
            return (null, null);
        }

        var needed = spec.GroupBy.Concat(spec.Filters.Select(f => f.Dimension)).Append("kind")
            .Concat(spec.TenantId is null ? [] : ["tenant"]).ToList();
        if (needed.Any(d => d.StartsWith(MetricDimensions.AttributePrefix, StringComparison.Ordinal)))
        {
            return (null, null);
        }

        var columns = needed.Select(d => MetricDimensions.Sql(d, DuckDbDialect.Instance)).ToList();
        var rollup = new[] { RollupSchema.Latency, RollupSchema.TenantLatency }.FirstOrDefault(r => r.Covers(columns));
        return rollup is null ? (null, null) : (rollup, days);
    }

    /// <summary>The whole hours the roll-up can answer, or null when it cannot (or there is none).</summary>
    private static (DateTime From, DateTime To)? RollupHours(MetricsSpec spec, SqlDialect dialect)
    {
        if (!spec.UseRollup || dialect.HourlyRollup is null || spec.Bucket is { CoversHours: false }
            || !spec.GroupBy.All(MetricDimensions.IsInRollup) || !spec.Filters.All(f => MetricDimensions.IsInRollup(f.Dimension)))
        {
            return null;
        }

        var from = TimeBucket.Hour.Start(spec.From);
        if (from < spec.From)
        {
            from = from.AddHours(1);
        }

        var to = TimeBucket.Hour.Start(spec.To);
        return from < to ? (from, to) : null;
    }

    private (DateTime From, DateTime To)? RollupHours(MetricsSpec spec) => RollupHours(spec, dialect);

    private string Bucket(MetricsSpec spec, string column) =>
        (spec.Bucket is null ? dialect.ToInt64("0") : dialect.ToInt64(spec.Bucket.Sql(dialect, column))) + " AS b";

    private string Filters(MetricsSpec spec, List<object> parameters)
    {
        var sql = new StringBuilder();
        if (spec.TenantId is not null)
        {
            sql.Append(" AND tenant_id = ").Append(dialect.Bind(parameters, spec.TenantId));
        }

        foreach (var (dimension, value) in spec.Filters)
        {
            sql.Append(" AND ").Append(MetricDimensions.Sql(dimension, dialect)).Append(" = ").Append(dialect.Bind(parameters, value));
        }

        if (!spec.IncludeAudit && !spec.Filters.Any(f => f.Dimension == "kind"))
        {
            sql.Append(" AND kind <> 'audit'");
        }

        return sql.ToString();
    }
}
