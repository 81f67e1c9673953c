using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;
using Mesh.ServiceDefaults.Calls;
using Mesh.Usage.V1;

namespace Mesh.Agents.Runs.Engine;

public sealed partial class RunExecutor
{
    /// <summary>Runs a step that calls something (or computes), with retries, then commits it and the start of the next.</summary>
    private async Task<CommitOutcome> ActivityAsync(RunSession session, Execution execution, StepDefinition step, CancellationToken cancellationToken)
    {
        var (result, attempt) = await AttemptsAsync(session, execution, step, step.Id, session.StepKey(step.Id), 0, session.Scope(), cancellationToken);
        if (result is null)
        {
            return CommitOutcome.Conflict;
        }

        return await CompleteStepAsync(session, execution, step, result.Value.Result, attempt, result.Value.Usage);
    }

    /// <summary>
    /// Attempts a step until it succeeds, fails for good, or runs out of attempts. Each failed
    /// attempt is committed (step_retried, with its usage) before the backoff, so a crash in
    /// between resumes at the right attempt with the right idempotency key.
    /// </summary>
    private async Task<((StepResult Result, List<UsageEvent> Usage)? Value, int Attempt)> AttemptsAsync(
        RunSession session, Execution execution, StepDefinition step, string stepId, string stepKey, int index, Scope scope, CancellationToken cancellationToken, bool item = false)
    {
        var attempt = item ? 1 : session.Progress.Attempt;
        var keyAttempt = item ? 1 : session.Progress.KeyAttempt;
        var handler = _handlers[step.Kind];
        while (true)
        {
            var key = $"{session.Run.Id}/{stepKey}/{index}/{keyAttempt}";
            using var stepScope = CallScope.EnterStep(session.Run.Workflow, session.Run.Id, stepId);
            var started = time.GetTimestamp();
            string reservationId = "", reservedUsd = "";
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(step.Timeout ?? TimeSpan.FromMinutes(5));
            StepFailureException failure;
            try
            {
                (reservationId, reservedUsd) = await ReserveAsync(session, stepId, timeout.Token);
                var result = await handler.RunAsync(new StepInvocation(session, step, stepId, scope, attempt, key), timeout.Token);
                var events = new List<UsageEvent> { StepUsage(session, step, stepKey, attempt, started, reservationId, reservedUsd, UsageStatus.Ok, result) };
                foreach (var extra in result.Usage)
                {
                    extra.EventId = DeterministicId(session.Run.Id, $"{stepKey}/{index}/{attempt}/{extra.Kind}");
                    extra.OccurredAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
                    events.Add(extra);
                }

                return ((result, events), attempt);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = new StepFailureException(StatusCode.DeadlineExceeded, $"the attempt took longer than the step's timeout ({Durations.Format(step.Timeout ?? TimeSpan.FromMinutes(5))})", retriable: true, keepKey: step.Kind is StepKinds.Tool or StepKinds.Agent);
            }
            catch (StepFailureException stepFailure)
            {
                failure = stepFailure;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted && reservationId.Length == 0)
            {
                throw new RunFailure(StatusCode.ResourceExhausted, $"a budget stopped the run at step '{stepId}': {ex.Status.Detail}", stepId);
            }
            catch (RpcException ex)
            {
                failure = StepFailureException.From(ex, sideEffect: false);
            }

            var failed = StepUsage(session, step, stepKey, attempt, started, reservationId, reservedUsd, UsageStatus.Error, null);
            failed.Attributes["error"] = failure.Message;
            if (!failure.Retriable || attempt >= step.Retry.Attempts)
            {
                // A refusal (credential, scope, relation) is never the step's answer: it ends the run.
                if (step.ContinueOnError && failure.Code is not (StatusCode.PermissionDenied or StatusCode.Unauthenticated))
                {
                    var error = new JsonObject { ["error"] = new JsonObject { ["code"] = failure.Code.ToString(), ["message"] = failure.Message } };
                    return ((new StepResult(error, $"failed ({failure.Code}), continuing: {failure.Message}") { Name = StepName(step) }, [failed]), attempt);
                }

                throw new RunFailure(failure.Code, $"step '{stepId}' failed after {attempt} attempt(s): {failure.Message}", stepId);
            }

            var backoff = step.Retry.BackoffAfter(attempt);
            var nextKey = failure.KeepKey ? keyAttempt : keyAttempt + 1;
            LogRetry(logger, session.Run.Id, stepId, attempt, failure.Message);
            if (!item)
            {
                var pending = new PendingCommit(_large).Add(EventTypes.StepRetried, stepId, new JsonObject
                {
                    ["attempt"] = attempt,
                    ["error"] = failure.Message,
                    ["code"] = failure.Code.ToString(),
                    ["backoffMs"] = backoff.TotalMilliseconds,
                    ["keyAttempt"] = nextKey,
                });
                pending.Usage.Add(failed);
                if (await CommitAsync(session, execution, pending, new RunUpdate(RunState.Running, session.Progress.Cursor)) != CommitOutcome.Committed)
                {
                    return (null, attempt);
                }
            }

            await Task.Delay(backoff, time, cancellationToken);
            attempt++;
            keyAttempt = nextKey;
        }
    }

    private async Task<(string, string)> ReserveAsync(RunSession session, string stepId, CancellationToken cancellationToken)
    {
        try
        {
            return await budget.ReserveAsync(session.Run.Workflow, session.Run.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            throw new RunFailure(StatusCode.ResourceExhausted, $"a budget stopped the run at step '{stepId}': {ex.Status.Detail}", stepId);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            throw new RunFailure(StatusCode.PermissionDenied, $"step '{stepId}' may not run: {ex.Status.Detail}", stepId);
        }
    }

    /// <summary>Commits a completed step: its result, the state change, tool result, usage, and the next step's start (or the run's end).</summary>
    private async Task<CommitOutcome> CompleteStepAsync(RunSession session, Execution execution, StepDefinition step, StepResult result, int attempt, List<UsageEvent> usageEvents)
    {
        var changes = result.Changes?.DeepClone() as JsonObject ?? [];
        if (step.Output is { } output)
        {
            changes[output] = result.Result?.DeepClone();
        }

        var stateProblems = StateProblems(session, changes);
        if (stateProblems.Count > 0)
        {
            throw new RunFailure(StatusCode.InvalidArgument, $"step '{step.Id}' wrote state that does not match the workflow's state schema: {string.Join("; ", stateProblems)}", step.Id);
        }

        var next = result.Next ?? step.Next ?? "";
        var pending = new PendingCommit(_large);
        if (result.Tool is { } tool)
        {
            pending.Add(EventTypes.ToolResult, step.Id, new JsonObject { ["tool"] = tool.Tool, ["result"] = tool.Result?.DeepClone(), ["replayed"] = tool.Replayed, ["key"] = tool.IdempotencyKey });
        }

        var elapsed = Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - session.Progress.StepStartedAt);
        pending.Add(EventTypes.StepCompleted, step.Id, new JsonObject
        {
            ["kind"] = step.Kind,
            ["name"] = result.Name.Length > 0 ? result.Name : StepName(step),
            ["result"] = result.Result?.DeepClone(),
            ["changes"] = changes,
            ["next"] = next,
            ["summary"] = result.Summary,
            ["attempt"] = attempt,
            ["durationMs"] = elapsed,
            ["inputTokens"] = result.InputTokens,
            ["outputTokens"] = result.OutputTokens,
        });
        pending.Usage.AddRange(usageEvents);
        if (next.Length == 0)
        {
            return await CompleteAsync(session, execution, pending, CancellationToken.None, stepsDelta: 1);
        }

        var nextStep = session.Definition.Find(next)!;
        pending.Add(EventTypes.StepStarted, next, StepStartedData(nextStep, 1));
        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Running, next) { StepsDelta = 1 });
    }

    private static List<string> StateProblems(RunSession session, JsonObject changes)
    {
        if (session.Definition.State?["properties"] is not JsonObject properties)
        {
            return [];
        }

        var problems = new List<string>();
        foreach (var (key, value) in changes)
        {
            if (properties[key] is JsonObject schema)
            {
                problems.AddRange(SchemaCheck.Violations(schema.ToJsonString(), value).Select(v => $"{key}{(v == "/" ? "" : v)}"));
            }
        }

        return problems;
    }

    /// <summary>The step's one usage event: the workflow, its version, the run and the step; its id is derived from them, so publishing it again never bills it twice.</summary>
    private UsageEvent StepUsage(RunSession session, StepDefinition step, string stepKey, int attempt, long started, string reservationId, string reservedUsd, UsageStatus status, StepResult? result)
    {
        var e = usage.Start(UsageKind.WorkflowStep, session.Run.Workflow, session.Run.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        e.EventId = DeterministicId(session.Run.Id, $"{stepKey}/{attempt}/step");
        e.ReservationId = reservationId;
        e.ReservedUsd = reservedUsd;
        e.Status = status;
        e.ComputeMs = e.TotalMs = time.GetElapsedTime(started).TotalMilliseconds;
        e.OccurredAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        e.Attributes["workflow"] = session.Run.Workflow;
        e.Attributes["workflow.version"] = e.ResourceVersion;
        e.Attributes["step.kind"] = step.Kind;
        e.Attributes["step.name"] = result?.Name is { Length: > 0 } name ? name : StepName(step);
        e.Attributes["attempt"] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (result is not null)
        {
            e.Attributes["step.input_tokens"] = result.InputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
            e.Attributes["step.output_tokens"] = result.OutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (result.Tool is { } tool)
            {
                e.Attributes["tool.replayed"] = tool.Replayed ? "true" : "false";
            }
        }

        return e;
    }

    /// <summary>A stable UUID for a piece of a run's work.</summary>
    internal static string DeterministicId(string runId, string what)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{runId}/{what}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}
