using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Cli.Commands;
using Spectre.Console;

namespace Mesh.Cli.Agents;

/// <summary>Runs an agent and follows its event stream, printing steps as they arrive.</summary>
public static class AgentRunner
{
    public const string DefaultAgent = "assistant";

    public static async Task<RunOutcome> RunAsync(
        CommandContext context,
        string agent,
        string question,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = new RunAgentRequest { Agent = agent, Input = question };
        using var call = context.Clients.Agents.RunAgent(request, context.Clients.Options(cancellationToken));
        var output = context.Output;
        var runId = string.Empty;
        var steps = new List<StepCompleted>();
        RunCompleted? completed = null;

        var waiting = $"Running {(string.IsNullOrEmpty(agent) ? DefaultAgent : agent)}…";
        await output.WithStatusAsync(waiting, async setStatus =>
        {
            await foreach (var runEvent in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                runId = string.IsNullOrEmpty(runEvent.RunId) ? runId : runEvent.RunId;
                if (output.Json)
                {
                    output.WriteJsonLine(runEvent);
                }

                switch (runEvent.EventCase)
                {
                    case RunEvent.EventOneofCase.Started when !output.Json:
                        output.Console.MarkupLine(RunRenderer.StartedLine(runId, runEvent.Started));
                        break;
                    case RunEvent.EventOneofCase.Step:
                        steps.Add(runEvent.Step);
                        if (!output.Json)
                        {
                            output.Console.MarkupLine(RunRenderer.StepLine(steps.Count, runEvent.Step));
                            setStatus($"{steps.Count} steps done, working…");
                        }

                        break;
                    case RunEvent.EventOneofCase.Completed:
                        completed = runEvent.Completed;
                        break;
                }
            }

            return 0;
        });

        return new RunOutcome(runId, steps, completed);
    }
}
