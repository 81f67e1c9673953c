using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Runs.Watching;
using Mesh.Agents.Workflows;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Metering;
using Mesh.ServiceDefaults.Calls;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs.Engine;

/// <summary>
/// Executes one claimed run from where its history says it stands until it waits, ends, or
/// loses its lease. Each step's result, state changes, usage event and the next cursor are
/// committed together before the next step starts; nothing is replayed from code, so a run
/// resumes on another process, or after a new version of its workflow, exactly where it was.
/// </summary>
public sealed partial class RunExecutor(
    IRunStore store,
    WorkflowCatalog catalog,
    IEnumerable<IStepHandler> handlers,
    StepBudget budget,
    UsageRecorder usage,
    RunEventHub hub,
    RunScopes scopes,
    Tools.V1.Tools.ToolsClient tools,
    IOptions<RunEngineOptions> options,
    TimeProvider time,
    ILogger<RunExecutor> logger)
{
    private readonly Dictionary<string, IStepHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
    private static readonly TimeSpan EndRunTimeout = TimeSpan.FromSeconds(5);
    private readonly LargeValues _large = new(options.Value.LargeResultBytes);

    /// <summary>Raised after a commit that started child runs, so the scheduler takes them at once.</summary>
    public event Action? ChildrenStarted;

    /// <summary>Raised after a commit that gave the run's lease up (it waits or has ended), before the execution returns.</summary>
    public event Action<string>? LeaseReleased;

    /// <summary>
    /// Runs <paramref name="claim"/> while <paramref name="lease"/> holds; <paramref name="cancel"/>
    /// fires when someone asks the run to stop.
    /// </summary>
    public async Task ExecuteAsync(ClaimedRun claim, string owner, CancellationToken lease, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var execution = new Execution(claim, owner);
        try
        {
            for (var reloads = 0; reloads < 100 && !lease.IsCancellationRequested; reloads++)
            {
                var session = await LoadAsync(claim.RunId, lease);
                if (session is null)
                {
                    break;
                }

                using var runScope = CallScope.Enter(scopes.For(session.Run));
                if (await AdvanceAsync(session, execution, lease, cancel) != CommitOutcome.Conflict)
                {
                    if (session.Run.IsFinished && session.Definition.Tools.Count > 0)
                    {
                        await EndWorkspaceAsync(session.Run.Id);
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            LogLeaseLost(logger, claim.RunId);
            return;
        }

        await store.ReleaseAsync(claim.RunId, owner, claim.Fence, CancellationToken.None);
    }

    /// <summary>
    /// Tells the tools service the run has ended, so the sandbox workspace its steps shared is
    /// removed now rather than when it idles out. Best effort: the run has ended either way.
    /// </summary>
    private async Task EndWorkspaceAsync(string runId)
    {
        try
        {
            await tools.EndRunAsync(new Tools.V1.EndRunRequest { RunId = runId }, deadline: time.GetUtcNow().UtcDateTime.Add(EndRunTimeout));
        }
        catch (RpcException ex)
        {
            LogWorkspaceNotEnded(logger, runId, ex.StatusCode, ex.Status.Detail);
        }
    }

    private async Task<RunSession?> LoadAsync(string runId, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken);
        if (run is null || run.IsFinished)
        {
            return null;
        }

        var events = await store.ReadEventsAsync(runId, 0, int.MaxValue, cancellationToken);
        var progress = await RunProgress.FoldAsync(events, async hash =>
        {
            var bytes = await store.GetBlobAsync(hash, cancellationToken);
            return bytes is null ? null : JsonNode.Parse(bytes);
        });
        var definition = await catalog.DefinitionAsync(run.Tenant, run.Workflow, run.Version, cancellationToken);
        RunSession? session = null;
        var live = new LiveEvents(hub, run.Id, () => session?.Progress.Seq ?? 0, time);
        session = new RunSession(run, definition, progress, live, tools);
        return session;
    }

    /// <summary>Steps the run on; Conflict when another writer appended first and the run must be reloaded.</summary>
    private async Task<CommitOutcome> AdvanceAsync(RunSession session, Execution execution, CancellationToken lease, CancellationToken cancel)
    {
        if (session.Progress.Seq == 0)
        {
            // A child run: its first events are written by the run itself.
            var outcome = await CommitAsync(session, execution, Started(session), new RunUpdate(RunState.Running, session.Definition.Start));
            if (outcome != CommitOutcome.Committed)
            {
                return outcome;
            }
        }

        while (true)
        {
            lease.ThrowIfCancellationRequested();
            var run = session.Run;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            CommitOutcome outcome;
            if (run.CancelRequested || cancel.IsCancellationRequested)
            {
                return await EndCancelledAsync(session, execution, lease);
            }

            if (now >= run.Deadline)
            {
                return await FailAsync(session, execution, StatusCode.DeadlineExceeded, $"the run passed its deadline ({DateTimeOffset.FromUnixTimeMilliseconds(run.Deadline):u})", session.Progress.Cursor, lease);
            }

            var step = session.Definition.Find(session.Progress.Cursor);
            if (step is null)
            {
                return await CompleteAsync(session, execution, new PendingCommit(_large), lease);
            }

            if (session.Progress.StepsDone >= run.MaxSteps)
            {
                return await FailAsync(session, execution, StatusCode.ResourceExhausted, $"the run reached its limit of {run.MaxSteps} steps", step.Id, lease);
            }

            if (step.MaxVisits is { } most && session.Progress.Visits.GetValueOrDefault(step.Id) >= most)
            {
                return await FailAsync(session, execution, StatusCode.ResourceExhausted, $"step '{step.Id}' ran {most} times, its maxVisits", step.Id, lease);
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(lease, cancel);
            deadline.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(1, run.Deadline - now)));
            try
            {
                outcome = step.Kind switch
                {
                    StepKinds.Wait => await WaitAsync(session, execution, step, lease),
                    StepKinds.Parallel or StepKinds.Subworkflow => await FanOutAsync(session, execution, step, deadline.Token),
                    _ => await ActivityAsync(session, execution, step, deadline.Token),
                };
            }
            catch (OperationCanceledException) when (!lease.IsCancellationRequested && (cancel.IsCancellationRequested || deadline.IsCancellationRequested))
            {
                // Cancelled or past the deadline: the loop's next turn ends the run.
                session.Run = session.Run with { CancelRequested = session.Run.CancelRequested || cancel.IsCancellationRequested };
                continue;
            }
            catch (RunFailure failure)
            {
                return await FailAsync(session, execution, failure.Code, failure.Message, failure.StepId, lease);
            }

            if (outcome != CommitOutcome.Committed || session.Run.Status == RunState.Waiting || session.Run.IsFinished)
            {
                return outcome;
            }
        }
    }

    private PendingCommit Started(RunSession session) => new PendingCommit(_large)
        .Add(EventTypes.RunStarted, "", new JsonObject { ["workflow"] = session.Run.Workflow, ["version"] = session.Run.Version, ["inputs"] = session.Inputs?.DeepClone() })
        .Add(EventTypes.StepStarted, session.Definition.Start, StepStartedData(session.Definition.Find(session.Definition.Start)!, 1));

    internal static JsonObject StepStartedData(StepDefinition step, int attempt) => new()
    {
        ["kind"] = step.Kind,
        ["name"] = StepName(step),
        ["attempt"] = attempt,
    };

    internal static string StepName(StepDefinition step) => step.Kind switch
    {
        StepKinds.Generate or StepKinds.Embed or StepKinds.Agent => step.String("model") ?? "",
        StepKinds.Retrieve => step.String("knowledge") ?? "",
        StepKinds.Tool => step.String("tool") ?? "",
        StepKinds.Wait => step.String("signal") ?? "",
        StepKinds.Subworkflow => step.String("workflow") ?? "",
        StepKinds.Parallel => step.Node("step") is JsonObject body ? $"{body["kind"]}" : "",
        _ => step.Id,
    };

    /// <summary>Writes <paramref name="pending"/> with the run's new position, fenced by the lease and the last event seen.</summary>
    private async Task<CommitOutcome> CommitAsync(RunSession session, Execution execution, PendingCommit pending, RunUpdate update)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var commit = new RunCommit(session.Run.Id, execution.Owner, execution.Claim.Fence, session.Progress.Seq, [.. pending.Events.Select(e => e.Event)], update)
        {
            Now = now,
            Blobs = pending.Blobs,
            Usage = [.. pending.Usage.Select(u => new UsageRecord(u.EventId, session.Run.Id, Google.Protobuf.MessageExtensions.ToByteArray(u)))],
            Children = pending.Children,
            Parent = pending.Parent,
        };
        await execution.CommitGate.WaitAsync(CancellationToken.None);
        CommitOutcome outcome;
        try
        {
            commit = commit with { ExpectedSeq = session.Progress.Seq };
            outcome = await store.CommitAsync(commit, CancellationToken.None);
            if (outcome == CommitOutcome.Committed)
            {
                var seq = session.Progress.Seq;
                foreach (var (stored, data) in pending.Events)
                {
                    session.Progress.Apply(new StoredEvent(++seq, now, stored.Type, stored.Step, stored.Data), data);
                }

                session.Run = session.Run with
                {
                    Status = update.Status,
                    Cursor = update.Cursor,
                    LastSeq = seq,
                    StepsDone = session.Run.StepsDone + update.StepsDelta,
                    OutputJson = update.OutputJson ?? session.Run.OutputJson,
                };
            }
        }
        finally
        {
            execution.CommitGate.Release();
        }

        if (outcome == CommitOutcome.Committed)
        {
            if (update.ReleaseLease)
            {
                LeaseReleased?.Invoke(session.Run.Id);
            }

            hub.Stored(session.Run.Id);
            if (pending.Parent is { } notice)
            {
                hub.Stored(notice.ParentRunId);
            }

            if (pending.Children.Count > 0 || pending.Parent is not null)
            {
                ChildrenStarted?.Invoke();
            }
        }
        else
        {
            LogCommitRefused(logger, session.Run.Id, outcome);
        }

        return outcome;
    }

    private sealed class Execution(ClaimedRun claim, string owner)
    {
        public ClaimedRun Claim => claim;

        public string Owner => owner;

        /// <summary>Commits of one run go one at a time (fan-out items finish together).</summary>
        public SemaphoreSlim CommitGate { get; } = new(1, 1);
    }

    /// <summary>A failure that ends the run.</summary>
    private sealed class RunFailure(StatusCode code, string message, string stepId) : Exception(message)
    {
        public StatusCode Code => code;

        public string StepId => stepId;
    }
}
