using System.Globalization;
using Mesh.Agents.V1;
using Mesh.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Workflows;

/// <summary>How a durable run looks to people: its status, steps, state and cost.</summary>
public static class RunView
{
    public static string Status(RunStatus status) => status switch
    {
        RunStatus.Pending => "[grey]pending[/]",
        RunStatus.Running => "[cyan]running[/]",
        RunStatus.Waiting => "[yellow]waiting[/]",
        RunStatus.Completed => "[green]completed[/]",
        RunStatus.Failed => "[red]failed[/]",
        RunStatus.Cancelled => "[red]cancelled[/]",
        _ => "?",
    };

    public static string Headline(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var line = $"run {Markup.Escape(run.RunId)} · {Markup.Escape(run.Workflow)}@{run.Version} · {Status(run.Status)} · {run.StepsDone} steps";
        if (run.Status == RunStatus.Waiting && run.WaitingFor.Length > 0)
        {
            line += $" · waiting for signal [bold]{Markup.Escape(run.WaitingFor)}[/]";
        }

        if (run.Error is { Code.Length: > 0 } error)
        {
            line += $" · [red]{Markup.Escape(error.Code)}: {Markup.Escape(error.Message)}[/]";
        }

        return line;
    }

    public static Table Steps(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var table = new Table().Border(TableBorder.Simple).AddColumns("Step", "Kind", "Used", "Status", "Tokens", "Time", "Result");
        foreach (var step in run.Steps)
        {
            table.AddRow(new IRenderable[]
            {
                new Text(step.StepId, new Style(decoration: Decoration.Bold)),
                new Text(step.Kind),
                new Text(step.Name),
                new Text(step.Status),
                new Text(step.InputTokens + step.OutputTokens > 0 ? Formatting.Count(step.InputTokens + step.OutputTokens) : ""),
                new Text(step.DurationMs > 0 ? Formatting.Duration(step.DurationMs) : ""),
                new Text(Formatting.OneLine(step.Error.Length > 0 ? step.Error : step.Summary.Length > 0 ? step.Summary : step.ResultJson, 60)),
            });
        }

        return table;
    }

    public static string Cost(RunCost? cost)
    {
        if (cost is null || cost.CostUsd.Length == 0)
        {
            return $"[grey]cost: unknown{(cost?.Note is { Length: > 0 } note ? $" ({Markup.Escape(note)})" : "")}[/]";
        }

        var usd = decimal.Parse(cost.CostUsd, CultureInfo.InvariantCulture);
        return $"cost so far: [bold]USD {usd.ToString("0.000000000", CultureInfo.InvariantCulture)}[/] [grey]· {Formatting.Count(cost.InputTokens)} in / {Formatting.Count(cost.OutputTokens)} out tokens · {cost.ToolCalls} tool calls · {Formatting.Duration(cost.ComputeMs)} device time · {cost.Events} usage events[/]";
    }

    /// <summary>One line for an event of the run's stream; null for events that print nothing.</summary>
    public static string? EventLine(RunEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.EventCase switch
        {
            RunEvent.EventOneofCase.Started => $"[grey]{e.Sequence,3}[/] started {Markup.Escape(e.Started.Agent)}@{e.Started.Version} with {Markup.Escape(Formatting.OneLine(e.Started.InputsJson, 80))}",
            RunEvent.EventOneofCase.StepStarted => $"[grey]{e.Sequence,3}[/] [cyan]▶[/] {Markup.Escape(e.StepStarted.StepId)} [grey]{Markup.Escape(e.StepStarted.Kind)} {Markup.Escape(e.StepStarted.Name)}[/]",
            RunEvent.EventOneofCase.Step => $"[grey]{e.Sequence,3}[/] [green]✓[/] {Markup.Escape(e.Step.StepId)} [grey]{Markup.Escape(e.Step.Kind)}[/] {Markup.Escape(Formatting.OneLine(e.Step.Summary, 70))}{(e.Step.Tokens > 0 ? $" [grey]· {e.Step.Tokens} tok[/]" : "")}",
            RunEvent.EventOneofCase.StepRetried => $"[grey]{e.Sequence,3}[/] [yellow]↻[/] {Markup.Escape(e.StepRetried.StepId)} attempt {e.StepRetried.Attempt} failed: {Markup.Escape(Formatting.OneLine(e.StepRetried.Error, 70))}",
            RunEvent.EventOneofCase.StepFailed => $"[grey]{e.Sequence,3}[/] [red]✗[/] {Markup.Escape(e.StepFailed.StepId)} {Markup.Escape(e.StepFailed.Code)}: {Markup.Escape(Formatting.OneLine(e.StepFailed.Message, 80))}",
            RunEvent.EventOneofCase.ToolResult => $"[grey]{e.Sequence,3}[/]   tool {Markup.Escape(e.ToolResult.Tool)} → {Markup.Escape(Formatting.OneLine(e.ToolResult.ResultJson, 70))}{(e.ToolResult.Replayed ? " [grey](from the tool's ledger)[/]" : "")}",
            RunEvent.EventOneofCase.Waiting => $"[grey]{e.Sequence,3}[/] [yellow]⏸[/] waiting for signal [bold]{Markup.Escape(e.Waiting.Signal)}[/]{(e.Waiting.Until is { } until ? $" until {until.ToDateTimeOffset():u}" : "")}",
            RunEvent.EventOneofCase.Signal => $"[grey]{e.Sequence,3}[/] signal {Markup.Escape(e.Signal.Signal)} from {Markup.Escape(e.Signal.PrincipalId)}: {Markup.Escape(Formatting.OneLine(e.Signal.PayloadJson, 60))}",
            RunEvent.EventOneofCase.Compensated => $"[grey]{e.Sequence,3}[/] [yellow]↺[/] compensated {Markup.Escape(e.Compensated.StepId)} with {Markup.Escape(e.Compensated.Compensation)}",
            RunEvent.EventOneofCase.Completed => $"[grey]{e.Sequence,3}[/] [green]completed[/]: {Markup.Escape(Formatting.OneLine(e.Completed.Answer, 100))}",
            RunEvent.EventOneofCase.Failed => $"[grey]{e.Sequence,3}[/] [red]failed[/] {Markup.Escape(e.Failed.Code)}: {Markup.Escape(e.Failed.Message)}",
            RunEvent.EventOneofCase.Cancelled => $"[grey]{e.Sequence,3}[/] [red]cancelled[/]: {Markup.Escape(e.Cancelled.Reason)}",
            _ => null,
        };
    }
}
