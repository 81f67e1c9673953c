using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh cost --every 1h</c> (a time series and its chart) and <c>mesh cost --percentiles</c> (latency and throughput).</summary>
public static class CostSeries
{
    private static readonly string[] LatencyMetrics =
        ["events", "calls_per_s", "p50_total_ms", "p95_total_ms", "p99_total_ms", "p95_queue_ms", "p95_compute_ms", "p50_ttft_ms", "p95_ttft_ms", "p50_tpot_ms"];

    private static readonly string[] CostMetrics = ["events", "errors", "tokens", "compute_ms", "cost_usd"];

    public sealed record Request(
        DateTimeOffset From, DateTimeOffset To, string By, string? Every, bool Percentiles,
        string? Tenant, string? Run, string? Agent, string? Resource, string? Kind, int Limit);

    public static async Task<int> RunAsync(CommandContext context, Request request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var query = new MetricsQuery
        {
            From = Timestamp.FromDateTimeOffset(request.From),
            To = Timestamp.FromDateTimeOffset(request.To),
            Bucket = request.Every is null ? "" : Bucket(request.Every),
            Limit = request.Limit,
        };
        query.GroupBy.AddRange(request.By.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        query.Metrics.AddRange(request.Percentiles ? LatencyMetrics : CostMetrics);
        foreach (var (dimension, value) in new[] { ("tenant", request.Tenant), ("run", request.Run), ("agent", request.Agent), ("resource", request.Resource), ("kind", request.Kind) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Filters.Add(new MetricFilter { Dimension = dimension, Value = value });
            }
        }

        var report = await context.Output.WithStatusAsync("Asking telemetry…", async _ =>
            await context.Clients.Analytics.GetMetricsAsync(query, context.Clients.Options(cancellationToken)));
        if (context.Output.Json)
        {
            context.Output.WriteJson(report);
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded);
        if (report.Bucket.Length > 0)
        {
            table.AddColumn(report.Bucket);
        }

        foreach (var dimension in report.GroupBy)
        {
            table.AddColumn(dimension);
        }

        foreach (var metric in report.Metrics)
        {
            table.AddColumn(new TableColumn(metric).RightAligned());
        }

        foreach (var row in report.Rows)
        {
            var cells = new List<string>();
            if (report.Bucket.Length > 0)
            {
                cells.Add(Time(row.Bucket));
            }

            cells.AddRange(row.Keys.Select(k => Markup.Escape(k.Length == 0 ? "(none)" : k)));
            cells.AddRange(report.Metrics.Select((m, i) => m == "cost_usd" ? row.CostUsd : Value(m, row.Values[i])));
            table.AddRow([.. cells]);
        }

        table.Caption($"[grey]{Time(report.From)} → {Time(report.To)} UTC, from {report.Source}[/]");
        context.Output.Console.Write(table);
        if (report.Bucket.Length > 0 && report.Rows.Count > 0)
        {
            var series = report.Rows.GroupBy(r => r.Bucket.Seconds).OrderBy(g => g.Key)
                .Select(g => (Time(g.First().Bucket), request.Percentiles ? g.Max(r => r.Values[report.Metrics.IndexOf("p95_total_ms")]) : (double)g.Sum(r => decimal.Parse(r.CostUsd, CultureInfo.InvariantCulture))))
                .ToList();
            context.Output.Console.WriteLine(request.Percentiles ? "p95 total ms per bucket (highest group):" : "cost (USD) per bucket:");
            foreach (var line in TextChart.Bars(series, format: request.Percentiles ? "0.0" : "0.000000000"))
            {
                context.Output.Console.Profile.Out.Writer.WriteLine(line);
            }
        }

        return ExitCodes.Success;
    }

    /// <summary>A bucket name from <c>--every</c>: 1m, 1h, 1d, 1w, month (or the names).</summary>
    public static string Bucket(string every)
    {
        var text = every.Trim().ToLowerInvariant();
        if (text is "minute" or "hour" or "day" or "week" or "month")
        {
            return text;
        }

        if (text is "1mo" or "mo")
        {
            return "month";
        }

        return DurationParser.TryParse(text, out var duration) && duration.TotalSeconds is 60 or 3600 or 86_400 or 604_800
            ? duration.TotalSeconds switch { 60 => "minute", 3600 => "hour", 86_400 => "day", _ => "week" }
            : throw new CliUsageException($"--every '{every}' is not a bucket; use 1m, 1h, 1d, 1w or month");
    }

    private static string Value(string metric, double value) =>
        double.IsNaN(value) ? "-" : metric switch
        {
            "events" or "errors" or "tokens" => value.ToString("N0", CultureInfo.InvariantCulture),
            "calls_per_s" => value.ToString("0.###", CultureInfo.InvariantCulture),
            _ => value.ToString("0.##", CultureInfo.InvariantCulture),
        };

    private static string Time(Timestamp? timestamp) =>
        timestamp is null ? "" : timestamp.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
