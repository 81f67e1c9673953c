using Mesh.Console.Reports;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Cost;

/// <summary>
/// Cost per bucket stacked by one dimension, from <c>GetMetrics</c>: the costliest groups get a
/// series each and the rest one "other" series, every bucket of the window present (zero where
/// nothing was spent), each value telemetry's exact decimal.
/// </summary>
public static class CostChart
{
    public const int MaxSeries = 8;
    public const string Other = "(other)";

    public static ChartData Build(MetricsReport report, ReportWindow window, string dimension)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(window);
        var buckets = window.BucketStarts().ToList();
        var index = buckets.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => x.i);
        var byGroup = new Dictionary<string, decimal[]>(StringComparer.Ordinal);
        foreach (var row in report.Rows)
        {
            var key = KeyOf(row);
            var at = row.Bucket.ToDateTimeOffset();
            if (!index.TryGetValue(at, out var i))
            {
                continue;
            }

            if (!byGroup.TryGetValue(key, out var values))
            {
                byGroup[key] = values = new decimal[buckets.Count];
            }

            values[i] += Money.Parse(row.CostUsd);
        }

        var ranked = byGroup.OrderByDescending(g => g.Value.Sum()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var shown = ranked.Count <= MaxSeries ? ranked : ranked.Take(MaxSeries - 1).ToList();
        var series = shown.Select((g, i) => Series(g.Key, g.Value, i)).ToList();
        if (shown.Count < ranked.Count)
        {
            var rest = new decimal[buckets.Count];
            foreach (var (_, values) in ranked.Skip(shown.Count))
            {
                for (var i = 0; i < rest.Length; i++)
                {
                    rest[i] += values[i];
                }
            }

            series.Add(Series(Other, rest, series.Count));
        }

        return new ChartData("bar", "cost (USD)", buckets.Select(window.Label).ToList(), series)
        {
            Stacked = true,
            XTitle = $"{window.Bucket} (UTC)",
        };

        string KeyOf(MetricsRow row) => row.Keys.Count > 0 && row.Keys[0].Length > 0 ? row.Keys[0] : $"(no {Dimensions.Label(dimension)})";
    }

    private static ChartSeries Series(string label, decimal[] values, int color) =>
        new(label, values.Select(v => (double?)(double)v).ToList())
        {
            Exact = values.Select(Money.Exact).ToList(),
            Total = Money.Exact(values.Sum()),
            Color = color,
        };
}
