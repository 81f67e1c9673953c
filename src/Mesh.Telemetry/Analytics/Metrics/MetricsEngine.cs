using System.Globalization;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>
/// Answers a metrics query from a store: sums (from the roll-up where it fits) and histograms from
/// SQL, then the derived metrics here (rates, shares, percentiles), so every engine answers alike.
/// </summary>
public sealed class MetricsEngine(IUsageStore store)
{
    public static readonly IReadOnlyList<string> SumMetrics =
    [
        "events", "errors", "error_rate", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "tokens",
        "compute_ms", "cost_usd", "calls_per_s", "tokens_per_s", "utilization",
    ];

    public async Task<MetricsResult> RunAsync(MetricsSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var sql = new MetricsSql(store.Dialect);
        var state = spec.UseRollup ? await RollupState.ReadAsync(store, spec.From, spec.To, cancellationToken) : null;
        var (sumsStatement, rollup) = sql.Sums(spec, state);
        var sums = await store.ReadAsync(sumsStatement, SqlReadLimits.Internal, cancellationToken);
        var rows = new Dictionary<(long Bucket, string Keys), MetricsResultRow>();
        var keyCount = spec.GroupBy.Count;
        foreach (var row in sums.Rows)
        {
            var bucket = long.Parse(row[0]!, CultureInfo.InvariantCulture);
            var keys = row.Skip(1).Take(keyCount).Select(k => k ?? "").ToArray();
            var at = 1 + keyCount;
            rows[(bucket, Join(keys))] = new MetricsResultRow(bucket, keys)
            {
                Events = Int(row[at]),
                Errors = Int(row[at + 1]),
                InputTokens = Int(row[at + 2]),
                OutputTokens = Int(row[at + 3]),
                CachedTokens = Int(row[at + 4]),
                ReasoningTokens = Int(row[at + 5]),
                ComputeUs = Int(row[at + 6]),
                CostUsd = decimal.Parse(row[at + 7] ?? "0", NumberStyles.Float, CultureInfo.InvariantCulture),
            };
        }

        var measures = spec.Metrics.Select(LatencyMeasure.ParseMetric).OfType<(LatencyMeasure Measure, double Quantile)>()
            .Select(p => p.Measure).Distinct().OrderBy(m => m.Index).ToList();
        if (measures.Count > 0)
        {
            var (statement, latencyRollup) = sql.Histograms(spec, measures, state);
            rollup |= latencyRollup;
            var histograms = await store.ReadAsync(statement, SqlReadLimits.Internal, cancellationToken);
            foreach (var row in histograms.Rows)
            {
                var bucket = long.Parse(row[0]!, CultureInfo.InvariantCulture);
                var keys = row.Skip(1).Take(keyCount).Select(k => k ?? "").ToArray();
                if (!rows.TryGetValue((bucket, Join(keys)), out var target))
                {
                    continue; // cannot happen: the histogram's events are among the sums'
                }

                var measure = (int)Int(row[1 + keyCount]);
                target.Histogram(measure).Add((Int(row[2 + keyCount]), Int(row[3 + keyCount])));
            }
        }

        // The costliest groups over the whole window, then their rows by bucket and cost.
        var kept = rows.Values.GroupBy(r => Join(r.Keys))
            .Select(g => (Keys: g.Key, Cost: g.Sum(r => r.CostUsd), Events: g.Sum(r => r.Events)))
            .OrderByDescending(g => g.Cost).ThenByDescending(g => g.Events).ThenBy(g => g.Keys, StringComparer.Ordinal)
            .Take(spec.Limit).Select(g => g.Keys).ToHashSet(StringComparer.Ordinal);
        var result = rows.Values.Where(r => kept.Contains(Join(r.Keys)))
            .OrderBy(r => r.Bucket).ThenByDescending(r => r.CostUsd).ThenBy(r => Join(r.Keys), StringComparer.Ordinal)
            .Select(r => r with { Values = [.. spec.Metrics.Select(m => Value(spec, r, m))] })
            .ToList();
        return new MetricsResult(result, rollup);
    }

    private static double Value(MetricsSpec spec, MetricsResultRow row, string metric)
    {
        if (LatencyMeasure.ParseMetric(metric) is { } latency)
        {
            return LatencyMeasure.Quantile(row.Histogram(latency.Measure.Index), latency.Quantile);
        }

        var seconds = Span(spec, row.Bucket).TotalSeconds;
        return metric switch
        {
            "events" => row.Events,
            "errors" => row.Errors,
            "error_rate" => row.Events == 0 ? 0 : (double)row.Errors / row.Events,
            "input_tokens" => row.InputTokens,
            "output_tokens" => row.OutputTokens,
            "cached_tokens" => row.CachedTokens,
            "reasoning_tokens" => row.ReasoningTokens,
            "tokens" => row.InputTokens + row.OutputTokens,
            "compute_ms" => row.ComputeUs / 1000.0,
            "cost_usd" => (double)row.CostUsd,
            "calls_per_s" => row.Events / seconds,
            "tokens_per_s" => (row.InputTokens + row.OutputTokens) / seconds,
            "utilization" => row.ComputeUs / 1_000_000.0 / seconds,
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "not a metric"),
        };
    }

    /// <summary>The part of the window a row covers: its bucket within the window, or the whole window.</summary>
    public static TimeSpan Span(MetricsSpec spec, long bucket)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Bucket is null)
        {
            return spec.To - spec.From;
        }

        var start = DateTime.UnixEpoch.AddSeconds(bucket);
        var end = spec.Bucket.Next(start);
        return (end < spec.To ? end : spec.To) - (start > spec.From ? start : spec.From);
    }

    private static string Join(IEnumerable<string> keys) => string.Join('\u001f', keys);

    private static long Int(string? text) => text is null ? 0 : long.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>The rows of a metrics query, and whether a roll-up answered part of it.</summary>
public sealed record MetricsResult(IReadOnlyList<MetricsResultRow> Rows, bool FromRollup);

/// <summary>Sums of one bucket and group, and the metric values asked for.</summary>
public sealed record MetricsResultRow(long Bucket, string[] Keys)
{
    private readonly Dictionary<int, List<(long Bucket, long Count)>> _histograms = [];

    public long Events { get; init; }

    public long Errors { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long CachedTokens { get; init; }

    public long ReasoningTokens { get; init; }

    public long ComputeUs { get; init; }

    public decimal CostUsd { get; init; }

    public IReadOnlyList<double> Values { get; init; } = [];

    public List<(long Bucket, long Count)> Histogram(int measure)
    {
        if (!_histograms.TryGetValue(measure, out var histogram))
        {
            _histograms[measure] = histogram = [];
        }

        return histogram;
    }
}
