using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Agents.Runs.Store;

namespace Mesh.Bench;

/// <summary>The run store with the moment each commit of each run finished recorded: the gaps are what one step costs.</summary>
public sealed class TimingRunStore(IRunStore inner) : IRunStore, IAsyncDisposable
{
    public ConcurrentDictionary<string, ConcurrentQueue<long>> Commits { get; } = new(StringComparer.Ordinal);

    public bool Shared => inner.Shared;

    public async ValueTask DisposeAsync()
    {
        if (inner is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else if (inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    public async Task<CommitOutcome> CommitAsync(RunCommit commit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var outcome = await inner.CommitAsync(commit, cancellationToken);
        Commits.GetOrAdd(commit.RunId, _ => new()).Enqueue(Stopwatch.GetTimestamp());
        return outcome;
    }

    public Task<StoredWorkflow> CreateWorkflowAsync(string tenant, string name, string definitionJson, string digest, string createdBy, long now, CancellationToken cancellationToken) => inner.CreateWorkflowAsync(tenant, name, definitionJson, digest, createdBy, now, cancellationToken);

    public Task<StoredWorkflow?> GetWorkflowAsync(string tenant, string name, int version, CancellationToken cancellationToken) => inner.GetWorkflowAsync(tenant, name, version, cancellationToken);

    public Task<IReadOnlyList<StoredWorkflow>> ListWorkflowsAsync(string tenant, CancellationToken cancellationToken) => inner.ListWorkflowsAsync(tenant, cancellationToken);

    public Task<(RunRecord Run, bool Created)> CreateRunAsync(RunRecord run, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) => inner.CreateRunAsync(run, events, cancellationToken);

    public Task<RunRecord?> FindByRequestAsync(string tenant, string clientRequestId, CancellationToken cancellationToken) => inner.FindByRequestAsync(tenant, clientRequestId, cancellationToken);

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken) => inner.GetRunAsync(runId, cancellationToken);

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string tenant, string? workflow, RunState? status, string? beforeId, int limit, CancellationToken cancellationToken) => inner.ListRunsAsync(tenant, workflow, status, beforeId, limit, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string runId, int afterSeq, int limit, CancellationToken cancellationToken) => inner.ReadEventsAsync(runId, afterSeq, limit, cancellationToken);

    public Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, long now, long leaseUntil, int max, CancellationToken cancellationToken) => inner.ClaimAsync(owner, now, leaseUntil, max, cancellationToken);

    public Task<IReadOnlyList<LeaseState>> RenewAsync(string owner, IReadOnlyCollection<string> runIds, long leaseUntil, CancellationToken cancellationToken) => inner.RenewAsync(owner, runIds, leaseUntil, cancellationToken);

    public Task ReleaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken) => inner.ReleaseAsync(runId, owner, fence, cancellationToken);

    public Task<SignalOutcome> SignalAsync(string runId, string signal, NewEvent signalEvent, long now, CancellationToken cancellationToken) => inner.SignalAsync(runId, signal, signalEvent, now, cancellationToken);

    public Task<bool> RequestCancelAsync(string runId, string reason, long now, CancellationToken cancellationToken) => inner.RequestCancelAsync(runId, reason, now, cancellationToken);

    public Task<byte[]?> GetBlobAsync(string hash, CancellationToken cancellationToken) => inner.GetBlobAsync(hash, cancellationToken);

    public Task<IReadOnlyList<UsageRecord>> UsageToPublishAsync(long? since, int limit, CancellationToken cancellationToken) => inner.UsageToPublishAsync(since, limit, cancellationToken);

    public Task MarkPublishedAsync(IReadOnlyList<string> eventIds, long now, CancellationToken cancellationToken) => inner.MarkPublishedAsync(eventIds, now, cancellationToken);
}
