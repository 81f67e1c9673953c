using System.CommandLine;
using Mesh.Cli.Agents;
using Mesh.Cli.Output;
using Mesh.Cli.Usage;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>mesh demo</c>: asks the assistant a few questions, then shows what each run cost once telemetry
/// has its usage. The first thing to run against a fresh mesh.
/// </summary>
public static class DemoCommand
{
    public static IReadOnlyList<string> Questions { get; } =
    [
        "What is Mesh?",
        "What does an embedding cost?",
        "What is 12.5 * (3 + 4.2)?",
        "How does telemetry store usage?",
    ];

    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var runs = new Option<int>("--runs", "-n")
        {
            Description = $"How many runs, cycling through the {Questions.Count} demo questions (1 to 50)",
            HelpName = "count",
            DefaultValueFactory = _ => Questions.Count,
            Validators =
            {
                result =>
                {
                    if (result.GetValueOrDefault<int>() is < 1 or > 50)
                    {
                        result.AddError("--runs must be between 1 and 50");
                    }
                },
            },
        };
        var agent = new Option<string>("--agent", "-a") { Description = "The agent to run", DefaultValueFactory = _ => AgentRunner.DefaultAgent };
        var wait = new Option<double>("--wait")
        {
            Description = "Seconds to wait for the runs' usage to reach telemetry",
            HelpName = "seconds",
            DefaultValueFactory = _ => 30,
        };
        var command = new Command("demo", "Ask the assistant a few questions, then show what each run cost") { runs, agent, wait };
        command.Subcommands.Add(Mesh.Cli.Vrio.Demo.VrioDemoCommand.Create(runner));
        runner.SetAction(command, (context, cancellationToken) => RunAsync(
            context,
            context.Parse.GetValue(runs),
            context.Parse.GetValue(agent) ?? AgentRunner.DefaultAgent,
            TimeSpan.FromSeconds(Math.Max(1, context.Parse.GetValue(wait))),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        CommandContext context, int runs, string agent, TimeSpan wait, CancellationToken cancellationToken)
    {
        var output = context.Output;
        var started = context.Time.GetUtcNow();
        if (!output.Json)
        {
            DemoRenderer.Introduction(output.Console, runs, agent);
        }

        var runIds = new List<string>();
        for (var i = 0; i < runs; i++)
        {
            var question = Questions[i % Questions.Count];
            if (!output.Json)
            {
                output.Console.WriteLine();
                output.Console.MarkupLine($"[bold blue]{i + 1}/{runs}[/] [bold]{Markup.Escape(question)}[/]");
            }

            var outcome = await AgentRunner.RunAsync(context, agent, question, cancellationToken);
            if (outcome.Completed is null)
            {
                output.Error($"run {outcome.RunId} for \"{question}\" ended before it completed");
                return ExitCodes.Failure;
            }

            runIds.Add(outcome.RunId);
            if (!output.Json)
            {
                output.Console.Write(RunRenderer.Answer(outcome.Completed));
                output.Console.MarkupLine(RunRenderer.Summary(outcome.RunId, outcome.Completed));
            }
        }

        var waitStarted = context.Time.GetTimestamp();
        var waiter = new UsageWaiter(context, wait, TimeSpan.FromMilliseconds(500));
        var (reports, complete) = await output.WithStatusAsync("Waiting for usage to reach telemetry…", progress =>
            waiter.WaitAsync(runIds, started.AddMinutes(-10), progress, cancellationToken));
        var report = UsageCombiner.Combine(UsageWaiter.GroupBy, runIds.Select(id => reports[id]));

        if (output.Json)
        {
            output.WriteJsonLine(report);
        }
        else
        {
            output.Console.WriteLine();
            if (complete)
            {
                output.Console.MarkupLine(
                    $"[green]✓[/] Usage of {runIds.Count} runs reached telemetry in {Formatting.Duration(context.Time.GetElapsedTime(waitStarted).TotalMilliseconds)}.");
            }

            DemoRenderer.Cost(output.Console, report, runIds);
        }

        if (!complete)
        {
            var missing = runIds.Where(id => reports[id].Total is not { Events: > 0 }).ToList();
            output.Error(
                missing.Count > 0
                    ? $"telemetry showed no usage for {missing.Count} of {runIds.Count} runs within {wait.TotalSeconds:0} s"
                    : $"the runs' usage was still arriving after {wait.TotalSeconds:0} s; the table above may be incomplete",
                $"check that the services publish usage to telemetry at {context.Settings.AddressOf(Configuration.MeshService.Telemetry)}, or raise --wait");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    /// <summary>Shows a run id in the demo's table as its number and short id.</summary>
    public static Func<Dimension, string, string> RunLabels(IReadOnlyList<string> runIds)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        return (dimension, key) =>
        {
            var index = dimension == Dimension.Run ? IndexOf(runIds, key) : -1;
            return index < 0 ? key : $"#{index + 1} {Formatting.ShortId(key)}";
        };
    }

    private static int IndexOf(IReadOnlyList<string> values, string value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
            {
                return i;
            }
        }

        return -1;
    }
}
