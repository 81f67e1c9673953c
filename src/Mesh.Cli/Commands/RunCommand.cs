using System.CommandLine;
using Mesh.Cli.Agents;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh run "question"</c>: runs an agent and streams its steps.</summary>
public static class RunCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var question = new Argument<string>("question") { Description = "What to ask the agent (1 to 4000 characters)" };
        var agent = new Option<string>("--agent", "-a")
        {
            Description = "The agent to run (see mesh agents)",
            HelpName = "agent",
            DefaultValueFactory = _ => AgentRunner.DefaultAgent,
        };
        var command = new Command("run", "Run an agent and stream its steps as they happen") { question, agent };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var text = context.Parse.GetValue(question) ?? string.Empty;
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new Configuration.CliUsageException("the question is empty; e.g. mesh run \"What is Mesh?\"");
            }

            var outcome = await AgentRunner.RunAsync(
                context, context.Parse.GetValue(agent) ?? AgentRunner.DefaultAgent, text, cancellationToken);
            if (outcome.Completed is null)
            {
                context.Output.Error($"run {outcome.RunId} ended before it completed ({outcome.Steps.Count} steps arrived)");
                return ExitCodes.Failure;
            }

            if (!context.Output.Json)
            {
                var console = context.Output.Console;
                console.WriteLine();
                console.Write(RunRenderer.Answer(outcome.Completed));
                if (outcome.Completed.Sources.Count > 0)
                {
                    console.Write(RunRenderer.Sources(outcome.Completed));
                }

                console.MarkupLine(RunRenderer.Summary(outcome.RunId, outcome.Completed));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
