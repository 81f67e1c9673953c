using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Cli.Clients;
using Mesh.Cli.Configuration;
using Mesh.Cli.Workflows;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh runs start|list|show|watch|signal|cancel</c>: durable workflow runs.</summary>
public static class RunsCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("runs", "Start, follow, signal and cancel durable workflow runs");
        command.Subcommands.Add(StartCommand(runner));
        command.Subcommands.Add(ListCommand(runner));
        command.Subcommands.Add(ShowCommand(runner));
        command.Subcommands.Add(WatchCommand(runner));
        command.Subcommands.Add(SignalCommand(runner));
        command.Subcommands.Add(CancelCommand(runner));
        return command;
    }

    private static Command StartCommand(CommandRunner runner)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow to run" };
        var inputs = new Option<string>("--inputs") { Description = "The inputs as a JSON object", HelpName = "json" };
        var input = new Option<string[]>("--input", "-i") { Description = "One input as key=value (a JSON value, or text)", HelpName = "key=value", AllowMultipleArgumentsPerToken = false };
        var version = new Option<int>("--version") { Description = "A version (default: the latest)", HelpName = "n" };
        var requestId = new Option<string>("--request-id") { Description = "A client request id: starting again with it answers the same run", HelpName = "id" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the run until it ends" };
        var command = new Command("start", "Start a run of a workflow") { workflow, inputs, input, version, requestId, watch };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var values = Inputs(context.Parse.GetValue(inputs), context.Parse.GetValue(input) ?? []);
            var run = await context.Clients.Agents.StartRunAsync(new StartRunRequest
            {
                Workflow = context.Parse.GetValue(workflow) ?? "",
                Version = context.Parse.GetValue(version),
                InputsJson = values.ToJsonString(),
                ClientRequestId = context.Parse.GetValue(requestId) ?? "",
            }, context.Clients.Options(cancellationToken));
            if (!context.Parse.GetValue(watch))
            {
                if (context.Output.Json)
                {
                    context.Output.WriteJson(run);
                }
                else
                {
                    context.Output.Console.MarkupLine(RunView.Headline(run));
                    context.Output.Console.MarkupLine($"[grey]follow it: mesh runs watch {Markup.Escape(run.RunId)}[/]");
                }

                return ExitCodes.Success;
            }

            return await WatchAsync(context, run.RunId, 0, cancellationToken);
        });
        return command;
    }

    private static Command ListCommand(CommandRunner runner)
    {
        var workflow = new Option<string>("--workflow") { Description = "Only runs of this workflow", HelpName = "name" };
        var status = new Option<string>("--status") { Description = "pending, running, waiting, completed, failed or cancelled", HelpName = "status" };
        var limit = new Option<int>("--limit") { Description = "At most this many (newest first)", DefaultValueFactory = _ => 20, HelpName = "n" };
        var command = new Command("list", "The tenant's runs, newest first") { workflow, status, limit };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var request = new ListRunsRequest { Workflow = context.Parse.GetValue(workflow) ?? "", PageSize = Math.Clamp(context.Parse.GetValue(limit), 1, 500) };
            if (context.Parse.GetValue(status) is { Length: > 0 } text)
            {
                request.Status = Enum.TryParse<RunStatus>(text, ignoreCase: true, out var parsed) && parsed != RunStatus.Unspecified
                    ? parsed
                    : throw new CliUsageException($"--status {text}: use pending, running, waiting, completed, failed or cancelled");
            }

            var response = await context.Clients.Agents.ListRunsAsync(request, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("Run", "Workflow", "Status", "Steps", "Started", "Waiting for / error");
            foreach (var run in response.Runs)
            {
                table.AddRow(new IRenderable[]
                {
                    new Text(run.RunId),
                    new Text($"{run.Workflow}@{run.Version}"),
                    new Markup(RunView.Status(run.Status)),
                    new Text($"{run.StepsDone}"),
                    new Text(run.CreatedAt.ToDateTimeOffset().ToString("u", System.Globalization.CultureInfo.InvariantCulture)),
                    new Text(run.Error is { Code.Length: > 0 } e ? $"{e.Code}: {e.Message}" : run.WaitingFor),
                });
            }

            context.Output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ShowCommand(CommandRunner runner)
    {
        var run = new Argument<string>("run") { Description = "The run id" };
        var command = new Command("show", "A run's status, steps with their results, state and cost so far") { run };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var found = await context.Clients.Agents.GetRunAsync(new GetRunRequest { RunId = context.Parse.GetValue(run) ?? "" }, context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(found);
                return ExitCodes.Success;
            }

            Show(context, found);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command WatchCommand(CommandRunner runner)
    {
        var run = new Argument<string>("run") { Description = "The run id" };
        var from = new Option<int>("--from") { Description = "Events after this sequence number (0: from the start)", HelpName = "n" };
        var command = new Command("watch", "Follow a run live: steps, tokens, waits, cost, until it ends") { run, from };
        runner.SetAction(command, (context, cancellationToken) => WatchAsync(context, context.Parse.GetValue(run) ?? "", context.Parse.GetValue(from), cancellationToken));
        return command;
    }

    private static Command SignalCommand(CommandRunner runner)
    {
        var run = new Argument<string>("run") { Description = "The run id" };
        var signal = new Argument<string>("signal") { Description = "The signal the run waits for" };
        var payload = new Option<string>("--payload", "-p") { Description = "Any JSON value to hand the run", HelpName = "json" };
        var command = new Command("signal", "Send a waiting run the signal it waits for") { run, signal, payload };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var signalled = await context.Clients.Agents.SignalRunAsync(new SignalRunRequest
            {
                RunId = context.Parse.GetValue(run) ?? "",
                Signal = context.Parse.GetValue(signal) ?? "",
                PayloadJson = context.Parse.GetValue(payload) ?? "",
            }, context.Clients.Options(cancellationToken));
            Print(context, signalled);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CancelCommand(CommandRunner runner)
    {
        var run = new Argument<string>("run") { Description = "The run id" };
        var reason = new Option<string>("--reason") { Description = "Why (kept with the run)", HelpName = "text" };
        var command = new Command("cancel", "Stop a run: its running step is cancelled and its completed steps compensated") { run, reason };
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var cancelled = await context.Clients.Agents.CancelRunAsync(new CancelRunRequest { RunId = context.Parse.GetValue(run) ?? "", Reason = context.Parse.GetValue(reason) ?? "" }, context.Clients.Options(cancellationToken));
            Print(context, cancelled);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The live view: each stored event as a line, model tokens as they stream, and a status line
    /// with steps, tokens and time; at the end the run's cost from telemetry's ledger. A watch has
    /// no deadline (a run may wait for days): Ctrl-C stops watching, not the run.
    /// </summary>
    private static async Task<int> WatchAsync(CommandContext context, string runId, int from, CancellationToken cancellationToken)
    {
        var options = new CallOptions(MeshClients.Headers(context.Settings), deadline: null, cancellationToken: cancellationToken);
        using var call = context.Clients.Agents.WatchRun(new WatchRunRequest { RunId = runId, FromSequence = from }, options);
        var output = context.Output;
        var steps = 0;
        long tokens = 0;
        var started = context.Time.GetTimestamp();
        var ended = RunStatus.Unspecified;
        await output.WithStatusAsync($"watching run {runId}…", async setStatus =>
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (output.Json)
                {
                    output.WriteJsonLine(e);
                }

                tokens += e.Step?.Tokens ?? 0;
                steps += e.Step is not null ? 1 : 0;
                ended = e.EventCase switch
                {
                    RunEvent.EventOneofCase.Completed => RunStatus.Completed,
                    RunEvent.EventOneofCase.Failed => RunStatus.Failed,
                    RunEvent.EventOneofCase.Cancelled => RunStatus.Cancelled,
                    _ => ended,
                };
                if (!output.Json)
                {
                    if (e.Cost is { } cost)
                    {
                        setStatus($"{steps} steps · {tokens} tokens · USD {cost.CostUsd} so far");
                        continue;
                    }

                    if (e.Tokens is { } live)
                    {
                        setStatus($"{live.StepId}: {Output.Formatting.OneLine(live.Text, 60)}");
                        continue;
                    }

                    if (RunView.EventLine(e) is { } line)
                    {
                        output.Console.MarkupLine(line);
                    }

                    setStatus(e.Waiting is not null
                        ? $"waiting for signal '{e.Waiting.Signal}' (mesh runs signal {runId} {e.Waiting.Signal})"
                        : $"{steps} steps · {tokens} tokens · {Output.Formatting.Duration(context.Time.GetElapsedTime(started).TotalMilliseconds)}");
                }
            }

            return 0;
        });

        var run = await EndedRunAsync(context, runId, cancellationToken);
        if (output.Json)
        {
            output.WriteJsonLine(run);
        }
        else
        {
            output.Console.MarkupLine(RunView.Headline(run));
            output.Console.MarkupLine(RunView.Cost(run.Cost));
        }

        return ended is RunStatus.Completed ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>
    /// The ended run once telemetry's ledger holds its steps' usage (each step is one event,
    /// delivered a moment after it commits), so the cost printed at the end is the whole cost;
    /// after 10 s, what the ledger has.
    /// </summary>
    private static async Task<Run> EndedRunAsync(CommandContext context, string runId, CancellationToken cancellationToken)
    {
        var settleBy = context.Time.GetTimestamp() + (context.Time.TimestampFrequency * 10);
        while (true)
        {
            var run = await context.Clients.Agents.GetRunAsync(new GetRunRequest { RunId = runId }, context.Clients.Options(cancellationToken));
            if (run.Cost is null || run.Cost.Events >= run.Steps.Count || context.Time.GetTimestamp() > settleBy)
            {
                return run;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), context.Time, cancellationToken);
        }
    }

    private static void Show(CommandContext context, Run run)
    {
        var console = context.Output.Console;
        console.MarkupLine(RunView.Headline(run));
        console.Write(RunView.Steps(run));
        if (run.OutputJson.Length > 0)
        {
            console.MarkupLine($"output: {Markup.Escape(Output.Formatting.OneLine(run.OutputJson, 200))}");
        }

        console.MarkupLine($"[grey]state: {Markup.Escape(Output.Formatting.OneLine(run.StateJson, 200))}[/]");
        console.MarkupLine(RunView.Cost(run.Cost));
    }

    private static void Print(CommandContext context, Run run)
    {
        if (context.Output.Json)
        {
            context.Output.WriteJson(run);
        }
        else
        {
            context.Output.Console.MarkupLine(RunView.Headline(run));
        }
    }

    /// <summary>The inputs object from --inputs and each --input key=value (a JSON value where it parses, else text).</summary>
    private static JsonObject Inputs(string? json, IEnumerable<string> pairs)
    {
        JsonObject inputs;
        try
        {
            inputs = string.IsNullOrWhiteSpace(json) ? [] : JsonNode.Parse(json) as JsonObject ?? throw new CliUsageException("--inputs must be a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new CliUsageException($"--inputs is not valid JSON: {e.Message}");
        }

        foreach (var pair in pairs)
        {
            var split = pair.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                throw new CliUsageException($"--input {pair}: write key=value");
            }

            var value = pair[(split + 1)..];
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(value);
            }
            catch (System.Text.Json.JsonException)
            {
                node = JsonValue.Create(value);
            }

            inputs[pair[..split]] = node;
        }

        return inputs;
    }
}
