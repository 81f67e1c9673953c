using Google.Protobuf.WellKnownTypes;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Latency;

/// <summary>
/// Latency per model from <c>GetMetrics</c>: percentiles of the whole request and of the time to
/// first token over the window (one row per model), and p95 per bucket as a line per model.
/// </summary>
public sealed class LatencyReport
{
    /// <summary>The metrics of the table, in the order telemetry answers them.</summary>
    public static IReadOnlyList<(string Metric, string Label)> Columns { get; } =
    [
        ("events", "calls"),
        ("p50_total_ms", "p50 total (ms)"),
        ("p95_total_ms", "p95 total (ms)"),
        ("p99_total_ms", "p99 total (ms)"),
        ("p50_ttft_ms", "p50 first token (ms)"),
        ("p95_ttft_ms", "p95 first token (ms)"),
        ("p50_tpot_ms", "p50 per output token (ms)"),
        ("error_rate", "error rate"),
    ];

    /// <summary>Kinds of work whose latency a person compares per model.</summary>
    public static IReadOnlyList<(string Name, string Label)> Kinds { get; } =
    [
        ("model_call", "generation"),
        ("embedding", "embedding"),
        ("tool_call", "tool call"),
        ("retrieval", "retrieval"),
    ];

    private LatencyReport(IReadOnlyList<(string Resource, IReadOnlyList<double> Values)> rows, ChartData chart)
    {
        Rows = rows;
        Chart = chart;
    }

    public IReadOnlyList<(string Resource, IReadOnlyList<double> Values)> Rows { get; }

    public ChartData Chart { get; }

    public static MetricsQuery Query(ReportWindow window, string kind, bool bucketed, string? tenant)
    {
        ArgumentNullException.ThrowIfNull(window);
        var query = new MetricsQuery
        {
            From = Timestamp.FromDateTimeOffset(window.From),
            To = Timestamp.FromDateTimeOffset(window.To),
            Bucket = bucketed ? window.Bucket : "",
            Limit = 200,
            GroupBy = { "resource" },
            Filters = { new MetricFilter { Dimension = "kind", Value = kind } },
        };
        query.Metrics.AddRange(bucketed ? ["p95_total_ms"] : Columns.Select(c => c.Metric));
        if (tenant is not null)
        {
            query.Filters.Add(new MetricFilter { Dimension = "tenant", Value = tenant });
        }

        return query;
    }

    public static LatencyReport Build(MetricsReport totals, MetricsReport series, ReportWindow window)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(window);
        var rows = totals.Rows
            .Select(r => (Resource: r.Keys.FirstOrDefault() ?? "", Values: (IReadOnlyList<double>)[.. r.Values]))
            .OrderBy(r => r.Resource, StringComparer.Ordinal)
            .ToList();

        var buckets = window.BucketStarts().ToList();
        var index = buckets.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => x.i);
        var lines = new SortedDictionary<string, double?[]>(StringComparer.Ordinal);
        foreach (var row in series.Rows)
        {
            var resource = row.Keys.FirstOrDefault() ?? "";
            if (!index.TryGetValue(row.Bucket.ToDateTimeOffset(), out var i) || row.Values.Count == 0)
            {
                continue;
            }

            if (!lines.TryGetValue(resource, out var values))
            {
                lines[resource] = values = new double?[buckets.Count];
            }

            values[i] = row.Values[0];
        }

        var chart = new ChartData("line", "p95 latency (ms)", buckets.Select(window.Label).ToList(), lines.Select((l, i) => new ChartSeries(l.Key, l.Value) { Color = i }).ToList())
        {
            XTitle = $"{window.Bucket} (UTC)",
        };
        return new LatencyReport(rows, chart);
    }
}
