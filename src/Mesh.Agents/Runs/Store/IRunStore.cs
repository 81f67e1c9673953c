namespace Mesh.Agents.Runs.Store;

/// <summary>
/// Durable workflows and runs: SQLite in one process (embedded), PostgreSQL shared by replicas
/// (distributed). A step's result and the run's cursor are committed together, fenced by the
/// lease of the replica running it.
/// </summary>
public interface IRunStore
{
    /// <summary>True when several replicas share the store (leases matter); false for one embedded process.</summary>
    bool Shared { get; }

    Task<StoredWorkflow> CreateWorkflowAsync(string tenant, string name, string definitionJson, string digest, string createdBy, long now, CancellationToken cancellationToken);

    /// <summary>A version of a workflow (0: the latest); null when there is none.</summary>
    Task<StoredWorkflow?> GetWorkflowAsync(string tenant, string name, int version, CancellationToken cancellationToken);

    /// <summary>The latest version of each workflow of the tenant.</summary>
    Task<IReadOnlyList<StoredWorkflow>> ListWorkflowsAsync(string tenant, CancellationToken cancellationToken);

    /// <summary>Creates the run with its first events, or answers the run already started with its client request id (Created false).</summary>
    Task<(RunRecord Run, bool Created)> CreateRunAsync(RunRecord run, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken);

    /// <summary>The run a client request id started in the tenant, if any.</summary>
    Task<RunRecord?> FindByRequestAsync(string tenant, string clientRequestId, CancellationToken cancellationToken);

    Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Runs of a tenant, newest first, before <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string tenant, string? workflow, RunState? status, string? beforeId, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string runId, int afterSeq, int limit, CancellationToken cancellationToken);

    Task<CommitOutcome> CommitAsync(RunCommit commit, CancellationToken cancellationToken);

    /// <summary>Takes the leases of up to <paramref name="max"/> runs that can go on and no live replica holds.</summary>
    Task<IReadOnlyList<ClaimedRun>> ClaimAsync(string owner, long now, long leaseUntil, int max, CancellationToken cancellationToken);

    /// <summary>Extends the leases <paramref name="owner"/> holds; says which it still holds and which were asked to cancel.</summary>
    Task<IReadOnlyList<LeaseState>> RenewAsync(string owner, IReadOnlyCollection<string> runIds, long leaseUntil, CancellationToken cancellationToken);

    Task ReleaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken);

    /// <summary>Appends the signal if the run waits for it, and wakes the run.</summary>
    Task<SignalOutcome> SignalAsync(string runId, string signal, NewEvent signalEvent, long now, CancellationToken cancellationToken);

    /// <summary>Asks a run and its child runs to stop; false when it has already ended.</summary>
    Task<bool> RequestCancelAsync(string runId, string reason, long now, CancellationToken cancellationToken);

    Task<byte[]?> GetBlobAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Usage events not yet published, and those published since <paramref name="since"/> (to publish again after a crash: telemetry keeps one per id).</summary>
    Task<IReadOnlyList<UsageRecord>> UsageToPublishAsync(long? since, int limit, CancellationToken cancellationToken);

    Task MarkPublishedAsync(IReadOnlyList<string> eventIds, long now, CancellationToken cancellationToken);
}
