using System.Globalization;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>
/// A latency measure and its histogram. Percentiles come from log-spaced buckets of whole
/// microseconds (each bucket 2% wide, so a percentile is within 1% of the exact value), counted in
/// SQL and ranked here: the same integers from every engine, so DuckDB and ClickHouse agree to
/// the digit, and histograms of any groups and windows add up.
/// </summary>
public sealed record LatencyMeasure(int Index, string Name, string Value, string? Condition)
{
    public const double Gamma = 1.02;

    /// <summary>ln(1.02), written out so no engine computes it differently.</summary>
    public const string LnGamma = "0.0198026272961797";

    public static readonly LatencyMeasure Total = new(1, "total_ms", "total_ms", null);
    public static readonly LatencyMeasure Queue = new(2, "queue_ms", "queue_ms", null);
    public static readonly LatencyMeasure Compute = new(3, "compute_ms", "compute_ms", null);
    public static readonly LatencyMeasure Ttft = new(4, "ttft_ms", "ttft_ms", "ttft_ms > 0");

    /// <summary>Time per output token after the first, for generations that streamed more than one.</summary>
    public static readonly LatencyMeasure Tpot = new(5, "tpot_ms", "(total_ms - ttft_ms) / (output_tokens - 1)", "ttft_ms > 0 AND output_tokens > 1");

    public static IReadOnlyList<LatencyMeasure> All { get; } = [Total, Queue, Compute, Ttft, Tpot];

    public static readonly IReadOnlyDictionary<string, double> Quantiles = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["p50"] = 0.50, ["p90"] = 0.90, ["p95"] = 0.95, ["p99"] = 0.99,
    };

    /// <summary>The histogram bucket of this measure's value, as a 64-bit integer.</summary>
    public string BucketSql(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var micros = $"FLOOR(({Value}) * 1000 + 0.5)";
        return dialect.ToInt64($"CASE WHEN {micros} <= 1 THEN 0 ELSE CEIL({dialect.Ln(micros)} / {LnGamma}) END");
    }

    /// <summary>The value a bucket stands for, in milliseconds (its midpoint in relative terms).</summary>
    public static double Representative(long bucket) =>
        bucket <= 0 ? 0 : Math.Round(2 * Math.Pow(Gamma, bucket) / (Gamma + 1) / 1000, 6);

    /// <summary>The nearest-rank quantile of a histogram (bucket, count) sorted by bucket.</summary>
    public static double Quantile(IReadOnlyList<(long Bucket, long Count)> histogram, double q)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var total = histogram.Sum(h => h.Count);
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        foreach (var (bucket, count) in histogram)
        {
            seen += count;
            if (seen >= rank)
            {
                return Representative(bucket);
            }
        }

        return Representative(histogram[^1].Bucket);
    }

    /// <summary>The measure and quantile of a metric name such as <c>p95_ttft_ms</c>, or null.</summary>
    public static (LatencyMeasure Measure, double Quantile)? ParseMetric(string metric)
    {
        var cut = metric.IndexOf('_', StringComparison.Ordinal);
        if (cut < 0 || !Quantiles.TryGetValue(metric[..cut], out var q))
        {
            return null;
        }

        var measure = All.FirstOrDefault(m => m.Name == metric[(cut + 1)..]);
        return measure is null ? null : (measure, q);
    }

    public override string ToString() => Index.ToString(CultureInfo.InvariantCulture);
}
