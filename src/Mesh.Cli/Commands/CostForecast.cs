using System.Globalization;
using Mesh.Cli.Output;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh cost --forecast</c>: the next day's calls per hour (or week's per day) with intervals and a chart.</summary>
public static class CostForecast
{
    public static async Task<int> RunAsync(CommandContext context, string? tenant, string? resource, string? every, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bucket = every is null ? "hour" : CostSeries.Bucket(every);
        var report = await context.Output.WithStatusAsync("Forecasting…", async _ =>
            await context.Clients.Analytics.GetForecastAsync(
                new ForecastQuery { TenantId = tenant ?? "", Resource = resource ?? "", Bucket = bucket },
                context.Clients.Options(cancellationToken)));
        if (context.Output.Json)
        {
            context.Output.WriteJson(report);
            return ExitCodes.Success;
        }

        if (!report.EnoughHistory)
        {
            context.Output.Console.MarkupLine($"[yellow]{Markup.Escape(report.Note)}[/]");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn(report.Bucket);
        table.AddColumn(new TableColumn(report.Metric).RightAligned());
        table.AddColumn(new TableColumn("95% interval").RightAligned());
        foreach (var point in report.Points)
        {
            table.AddRow(Time(point), point.Value.ToString("0.#", CultureInfo.InvariantCulture),
                $"{point.Lower.ToString("0.#", CultureInfo.InvariantCulture)} – {point.Upper.ToString("0.#", CultureInfo.InvariantCulture)}");
        }

        table.Caption($"[grey]{Markup.Escape(report.Note)}; MASE {report.Mase:0.00} (seasonal naive {report.SeasonalNaiveMase:0.00})[/]");
        context.Output.Console.Write(table);
        foreach (var line in TextChart.Bars([.. report.Points.Select(p => (Time(p), p.Value))], format: "0.0"))
        {
            context.Output.Console.Profile.Out.Writer.WriteLine(line);
        }

        return ExitCodes.Success;
    }

    private static string Time(ForecastPoint point) =>
        point.At.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
