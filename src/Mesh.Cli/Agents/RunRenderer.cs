using Mesh.Agents.V1;
using Mesh.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Agents;

/// <summary>How a run looks to people: a line per step, then the answer and its sources.</summary>
public static class RunRenderer
{
    private const int KindWidth = 9;
    private const int NameWidth = 22;
    private const int SummaryWidth = 60;

    /// <summary>One markup line for a finished step: number, kind, name, summary, duration.</summary>
    public static string StepLine(int number, StepCompleted step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var kind = Markup.Escape(Formatting.OneLine(step.Kind, KindWidth).PadRight(KindWidth));
        var name = Markup.Escape(Formatting.OneLine(step.Name, NameWidth).PadRight(NameWidth));
        var summary = Markup.Escape(Formatting.OneLine(step.Summary, SummaryWidth));
        var tokens = step.Tokens > 0 ? $" · {Formatting.Count(step.Tokens)} tok" : string.Empty;
        return $"  [green]✓[/] [grey]{number,2}[/] [cyan]{kind}[/] {name} {summary} "
            + $"[grey]({Formatting.Duration(step.DurationMs)}{tokens})[/]";
    }

    public static string StartedLine(string runId, RunStarted started)
    {
        ArgumentNullException.ThrowIfNull(started);
        return $"[grey]run[/] {Markup.Escape(runId)} [grey]· agent[/] {Markup.Escape(started.Agent)}";
    }

    public static Panel Answer(RunCompleted completed, string header = "Answer")
    {
        ArgumentNullException.ThrowIfNull(completed);
        var text = string.IsNullOrWhiteSpace(completed.Answer) ? "(the run gave no answer)" : completed.Answer.Trim();
        return new Panel(new Text(text))
            .Header($"[bold]{Markup.Escape(header)}[/]")
            .Border(BoxBorder.Rounded)
            .BorderColor(Color.Green);
    }

    public static Table Sources(RunCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        var table = new Table().Border(TableBorder.Simple).Title("[grey]Sources[/]");
        table.AddColumn(new TableColumn("#").RightAligned());
        table.AddColumn("Title");
        table.AddColumn("Id");
        table.AddColumn(new TableColumn("Score").RightAligned());
        var number = 0;
        foreach (var source in completed.Sources)
        {
            table.AddRow(new IRenderable[]
            {
                new Text((++number).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Text(source.Title),
                new Text(source.Id, new Style(Color.Grey)),
                new Text(Formatting.Score(source.Score)),
            });
        }

        return table;
    }

    /// <summary>The closing line: steps, wall time and run id.</summary>
    public static string Summary(string runId, RunCompleted completed)
    {
        ArgumentNullException.ThrowIfNull(completed);
        return $"[grey]{completed.Steps} steps · {Formatting.Duration(completed.DurationMs)} · run {Markup.Escape(runId)}[/]";
    }
}
