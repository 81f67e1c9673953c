using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Definitions;

namespace Mesh.Agents.Runs.Engine;

public sealed partial class RunExecutor
{
    /// <summary>
    /// A wait step: the first time, the run is committed as waiting for the signal (until the
    /// timeout) and gives up its lease; a signal (SignalRun) or the timeout wakes it, and the
    /// step completes with the signal's payload or does what onTimeout says.
    /// </summary>
    private async Task<CommitOutcome> WaitAsync(RunSession session, Execution execution, StepDefinition step, CancellationToken lease)
    {
        var signal = step.String("signal")!;
        var progress = session.Progress;
        if (progress.Signal is { } received)
        {
            var result = new StepResult(received["payload"]?.DeepClone(), $"signal '{signal}' from {received["principal"]}") { Name = signal };
            return await CompleteStepAsync(session, execution, step, result, 1, [StepUsage(session, step, session.StepKey(step.Id), 1, time.GetTimestamp(), "", "", Usage.V1.UsageStatus.Ok, result)]);
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = step.Timeout is { } timeout ? progress.StepStartedAt + (long)timeout.TotalMilliseconds : (long?)null;
        if (progress.Waited && until is { } end && now >= end)
        {
            return await TimedOutAsync(session, execution, step, signal, lease);
        }

        var pending = new PendingCommit(_large);
        if (!progress.Waited)
        {
            pending.Add(EventTypes.Waiting, step.Id, new JsonObject { ["signal"] = signal, ["until"] = until });
        }

        var wake = Math.Min(until ?? long.MaxValue, session.Run.Deadline);
        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Waiting, step.Id)
        {
            WaitingFor = "signal:" + signal,
            WakeAt = wake,
            ReleaseLease = true,
        });
    }

    private async Task<CommitOutcome> TimedOutAsync(RunSession session, Execution execution, StepDefinition step, string signal, CancellationToken lease)
    {
        var onTimeout = step.Node("onTimeout");
        var message = $"signal '{signal}' did not arrive within {Durations.Format(step.Timeout!.Value)}";
        if (onTimeout is null || onTimeout is JsonValue v && v.GetValue<string>() == "fail")
        {
            return await FailAsync(session, execution, StatusCode.DeadlineExceeded, message, step.Id, lease);
        }

        var value = onTimeout is JsonObject o ? o["value"]?.DeepClone() : null;
        var next = onTimeout is JsonObject withNext && withNext["next"] is JsonValue n ? n.GetValue<string>() : null;
        var result = new StepResult(value, $"{message}; went on{(next is null ? "" : $" to {next}")}") { Name = signal, Next = next };
        return await CompleteStepAsync(session, execution, step, result, 1, [StepUsage(session, step, session.StepKey(step.Id), 1, time.GetTimestamp(), "", "", Usage.V1.UsageStatus.Ok, result)]);
    }
}
