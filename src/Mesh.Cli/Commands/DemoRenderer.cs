using Mesh.Cli.Output;
using Mesh.Cli.Usage;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>The demo's words and tables around the runs.</summary>
public static class DemoRenderer
{
    public static void Introduction(IAnsiConsole console, int runs, string agent)
    {
        ArgumentNullException.ThrowIfNull(console);
        console.Write(new Rule("[bold]Mesh demo[/]").LeftJustified().RuleStyle("grey"));
        console.MarkupLine(
            $"Asking the [bold]{Markup.Escape(agent)}[/] agent {runs} question{(runs == 1 ? string.Empty : "s")}. "
            + "Each run embeds the question, searches the knowledge set, may call tools, then answers.");
        console.MarkupLine(
            "[grey]Every model and tool call is metered and priced by telemetry; the cost of each run follows at the end.[/]");
    }

    public static void Cost(IAnsiConsole console, UsageReport report, IReadOnlyList<string> runIds)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var table = UsageTable.Build(report, DemoCommand.RunLabels(runIds))
            .Title("[bold]Cost by run and resource[/]");
        console.Write(table);
        var runs = Math.Max(1, runIds.Count);
        var total = Formatting.TryParseCost(report.Total?.CostUsd, out var cost) ? cost : 0;
        console.MarkupLine(
            $"[grey]{runIds.Count} runs · {Formatting.Count(report.Total?.Events ?? 0)} metered events · "
            + $"USD {Formatting.Cost(total)} in all, USD {Formatting.Cost(total / runs)} per run[/]");
        console.WriteLine();
        console.MarkupLine("[grey]Next:[/] mesh run \"your question\"   ·   mesh cost --by agent,resource --since 1h   ·   mesh tools");
    }
}
