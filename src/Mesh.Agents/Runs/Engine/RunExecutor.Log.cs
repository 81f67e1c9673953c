namespace Mesh.Agents.Runs.Engine;

public sealed partial class RunExecutor
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Run {RunId} lost its lease: another replica runs it now")]
    private static partial void LogLeaseLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Run {RunId}: commit refused ({Outcome})")]
    private static partial void LogCommitRefused(ILogger logger, string runId, Store.CommitOutcome outcome);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Run {RunId}: step {StepId} attempt {Attempt} failed, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string runId, string stepId, int attempt, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Run {RunId} failed ({Code}): {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string runId, Grpc.Core.StatusCode code, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Run {RunId}: compensated step {StepId} (ok: {Ok})")]
    private static partial void LogCompensated(ILogger logger, string runId, string stepId, bool ok);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Run {RunId} ended but the tools service did not end its workspace ({Code}: {Reason}); it goes when it idles out")]
    private static partial void LogWorkspaceNotEnded(ILogger logger, string runId, Grpc.Core.StatusCode code, string reason);
}
