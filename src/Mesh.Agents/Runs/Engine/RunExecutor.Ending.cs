using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Expressions;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Agents.Runs.Engine;

public sealed partial class RunExecutor
{
    /// <summary>Ends the run with its output (the workflow's <c>output</c> rendered over inputs and state; the state when it has none).</summary>
    private async Task<CommitOutcome> CompleteAsync(RunSession session, Execution execution, PendingCommit pending, CancellationToken cancellationToken, int stepsDelta = 0)
    {
        // The output sees the state with this commit's changes applied.
        var state = (JsonObject)session.Progress.State.DeepClone();
        foreach (var (e, data) in pending.Events.Where(e => e.Event.Type == EventTypes.StepCompleted))
        {
            foreach (var (key, value) in data["changes"] as JsonObject ?? [])
            {
                state[key] = value?.DeepClone();
            }
        }

        JsonNode? output;
        try
        {
            output = session.Definition.Output is { } template ? Template.RenderJson(template, new Scope(session.Inputs, state)) : state;
        }
        catch (ExpressionException ex)
        {
            return await FailAsync(session, execution, StatusCode.InvalidArgument, $"output: {ex.Message}", "", cancellationToken);
        }

        var duration = Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - session.Run.CreatedAt);
        pending.Add(EventTypes.RunCompleted, "", new JsonObject { ["output"] = output?.DeepClone(), ["durationMs"] = duration });
        pending.Parent = Notice(session.Run, ok: true, output, "");
        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Completed, "")
        {
            StepsDelta = stepsDelta,
            OutputJson = output?.ToJsonString() ?? "null",
            ReleaseLease = true,
        });
    }

    private async Task<CommitOutcome> FailAsync(RunSession session, Execution execution, StatusCode code, string message, string stepId, CancellationToken lease)
    {
        LogRunFailed(logger, session.Run.Id, code, message);
        var compensated = await CompensateAsync(session, execution, lease);
        if (compensated is null)
        {
            return CommitOutcome.Conflict;
        }

        var pending = new PendingCommit(_large);
        if (stepId.Length > 0)
        {
            pending.Add(EventTypes.StepFailed, stepId, new JsonObject { ["code"] = Codes.Name(code), ["message"] = message, ["attempt"] = session.Progress.Attempt });
        }

        pending.Add(EventTypes.RunFailed, stepId, new JsonObject { ["code"] = Codes.Name(code), ["message"] = message, ["step"] = stepId, ["compensated"] = new JsonArray([.. compensated.Select(c => (JsonNode?)c)]) });
        pending.Parent = Notice(session.Run, ok: false, null, $"{Codes.Name(code)}: {message}");
        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Failed, "")
        {
            ErrorCode = Codes.Name(code),
            ErrorMessage = message,
            ErrorStep = stepId,
            ReleaseLease = true,
        });
    }

    private async Task<CommitOutcome> EndCancelledAsync(RunSession session, Execution execution, CancellationToken lease)
    {
        var compensated = await CompensateAsync(session, execution, lease);
        if (compensated is null)
        {
            return CommitOutcome.Conflict;
        }

        var reason = session.Run.CancelReason.Length > 0 ? session.Run.CancelReason : "cancelled";
        var pending = new PendingCommit(_large)
            .Add(EventTypes.RunCancelled, "", new JsonObject { ["reason"] = reason, ["compensated"] = new JsonArray([.. compensated.Select(c => (JsonNode?)c)]) });
        pending.Parent = Notice(session.Run, ok: false, null, $"CANCELLED: {reason}");
        return await CommitAsync(session, execution, pending, new RunUpdate(RunState.Cancelled, "")
        {
            ErrorCode = "CANCELLED",
            ErrorMessage = reason,
            ReleaseLease = true,
        });
    }

    /// <summary>
    /// Runs the compensation of every completed step that has one, newest first, each committed
    /// as it is done (a crash in the middle resumes with the ones left). Null when a commit was
    /// refused and the run must be reloaded.
    /// </summary>
    private async Task<List<string>?> CompensateAsync(RunSession session, Execution execution, CancellationToken lease)
    {
        var compensated = session.Progress.Completed.Where(c => c.Compensated).Select(c => c.StepId).Distinct().ToList();
        foreach (var completed in session.Progress.Completed.AsEnumerable().Reverse().Where(c => !c.Compensated).ToList())
        {
            if (session.Definition.Find(completed.StepId)?.Compensate is not { } compensation || compensated.Contains(completed.StepId))
            {
                continue;
            }

            var stepId = $"{completed.StepId}.compensate";
            var scope = session.Scope().With("result", completed.Result);
            StepResult? result = null;
            string error = "";
            for (var attempt = 1; attempt <= Math.Max(1, compensation.Retry.Attempts) && result is null; attempt++)
            {
                using var stepScope = CallScope.EnterStep(session.Run.Workflow, session.Run.Id, stepId);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lease);
                timeout.CancelAfter(compensation.Timeout ?? TimeSpan.FromMinutes(1));
                try
                {
                    result = await _handlers[compensation.Kind].RunAsync(
                        new StepInvocation(session, compensation, stepId, scope, attempt, $"{session.Run.Id}/{completed.StepId}/compensate/1"), timeout.Token);
                }
                catch (StepFailureException failure)
                {
                    error = failure.Message;
                    if (!failure.Retriable)
                    {
                        break;
                    }

                    await Task.Delay(compensation.Retry.BackoffAfter(attempt), time, lease);
                }
                catch (OperationCanceledException) when (!lease.IsCancellationRequested)
                {
                    error = "the compensation timed out";
                }
            }

            LogCompensated(logger, session.Run.Id, completed.StepId, result is not null);
            var pending = new PendingCommit(_large).Add(EventTypes.StepCompensated, completed.StepId, new JsonObject
            {
                ["compensation"] = RunExecutor.StepName(compensation),
                ["ok"] = result is not null,
                ["result"] = result?.Result?.DeepClone(),
                ["error"] = error,
            });
            if (await CommitAsync(session, execution, pending, new RunUpdate(session.Run.Status == RunState.Pending ? RunState.Running : session.Run.Status, session.Progress.Cursor)) != CommitOutcome.Committed)
            {
                return null;
            }

            compensated.Add(completed.StepId);
        }

        return compensated;
    }

    private static ParentNotice? Notice(RunRecord run, bool ok, JsonNode? output, string error) =>
        run.ParentRunId.Length == 0 ? null : new ParentNotice(run.ParentRunId, new NewEvent(EventTypes.ChildCompleted, run.ParentStep, new JsonObject
        {
            ["index"] = run.ParentIndex,
            ["childRunId"] = run.Id,
            ["ok"] = ok,
            ["result"] = output?.DeepClone(),
            ["error"] = error,
        }.ToJsonString()));
}

/// <summary>gRPC status names as runs report them.</summary>
public static class Codes
{
    public static string Name(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.Internal => "INTERNAL",
        _ => code.ToString().ToUpperInvariant(),
    };
}
