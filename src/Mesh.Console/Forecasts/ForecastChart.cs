using Mesh.Console.Reports;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Forecasts;

/// <summary>
/// A forecast as one chart: the history read (solid), the forecast (dashed) and its 95%
/// prediction interval (a shaded band), on one time axis.
/// </summary>
public static class ForecastChart
{
    public static IReadOnlyList<(string Name, string Label)> Metrics { get; } =
    [
        ("cost_usd", "cost (USD)"),
        ("events", "calls"),
        ("tokens", "tokens"),
    ];

    public static ChartData Build(ForecastReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var format = report.Bucket == "day" ? "yyyy-MM-dd" : "MM-dd HH:00";
        var history = report.History.ToList();
        var points = report.Points.ToList();
        var labels = history.Concat(points).Select(p => p.At.ToDateTimeOffset().UtcDateTime.ToString(format, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        double?[] Pad(IEnumerable<double?> values, bool atEnd) =>
            atEnd ? [.. Enumerable.Repeat<double?>(null, history.Count), .. values] : [.. values, .. Enumerable.Repeat<double?>(null, points.Count)];

        var label = Metrics.FirstOrDefault(m => m.Name == report.Metric).Label ?? report.Metric;
        return new ChartData("line", label, labels,
        [
            new ChartSeries("history", Pad(history.Select(p => (double?)p.Value), atEnd: false)) { Style = "line", Color = 0 },
            new ChartSeries("forecast", Pad(points.Select(p => (double?)p.Value), atEnd: true)) { Style = "dashed", Color = 5 },
            new ChartSeries("95% interval, lower", Pad(points.Select(p => (double?)p.Lower), atEnd: true)) { Style = "band-lower" },
            new ChartSeries("95% interval", Pad(points.Select(p => (double?)p.Upper), atEnd: true)) { Style = "band-upper" },
        ])
        {
            XTitle = $"{report.Bucket} (UTC)",
        };
    }
}
