namespace Mesh.Agents.Runs.Store;

public enum RunState
{
    Pending,
    Running,
    Waiting,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>
/// One run as stored: who started it (and the credential its steps call with), the workflow
/// version it is pinned to, where it stands (cursor, status, sequence of its last event), its
/// limits, and the lease of the replica running it. Times are Unix milliseconds.
/// </summary>
public sealed record RunRecord
{
    public required string Id { get; init; }

    public required string Tenant { get; init; }

    public required string PrincipalId { get; init; }

    public string PrincipalKind { get; init; } = "user";

    public bool IsAdmin { get; init; }

    public string TenantHeader { get; init; } = "";

    public required string Workflow { get; init; }

    public required int Version { get; init; }

    /// <summary>The versions of subworkflows this run uses, pinned when it started (JSON object name → version).</summary>
    public string Pins { get; init; } = "{}";

    public RunState Status { get; init; } = RunState.Pending;

    public required string InputsJson { get; init; }

    public string? ClientRequestId { get; init; }

    public string RequestDigest { get; init; } = "";

    public string ParentRunId { get; init; } = "";

    public string ParentStep { get; init; } = "";

    public int ParentIndex { get; init; }

    public long CreatedAt { get; init; }

    public long UpdatedAt { get; init; }

    public long Deadline { get; init; }

    public int MaxSteps { get; init; }

    public int LastSeq { get; init; }

    public int StepsDone { get; init; }

    /// <summary>The step the run is at; empty when it has ended.</summary>
    public string Cursor { get; init; } = "";

    public string WaitingFor { get; init; } = "";

    public long? WakeAt { get; init; }

    public bool CancelRequested { get; init; }

    public string CancelReason { get; init; } = "";

    /// <summary>The authorization its steps call other services with (the run's token).</summary>
    public string Credential { get; init; } = "";

    public string? OutputJson { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public string? ErrorStep { get; init; }

    public string LeaseOwner { get; init; } = "";

    public long LeaseExpires { get; init; }

    public long Fence { get; init; }

    public bool IsFinished => Status is RunState.Completed or RunState.Failed or RunState.Cancelled;
}

/// <summary>One event of a run's history: what happened, to which step, with its data (JSON).</summary>
public sealed record StoredEvent(int Seq, long At, string Type, string Step, string Data);

/// <summary>An event to append; its sequence number is given when it is committed.</summary>
public sealed record NewEvent(string Type, string Step, string Data);

/// <summary>Where a commit leaves the run.</summary>
public sealed record RunUpdate(RunState Status, string Cursor)
{
    public int StepsDelta { get; init; }

    public string WaitingFor { get; init; } = "";

    public long? WakeAt { get; init; }

    public string? OutputJson { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public string? ErrorStep { get; init; }

    /// <summary>Give the lease up with this commit (the run waits, or has ended).</summary>
    public bool ReleaseLease { get; init; }
}

/// <summary>A usage event kept with the step that made it until it is published (an outbox row).</summary>
public sealed record UsageRecord(string EventId, string RunId, byte[] Payload);

/// <summary>An event a finished child run appends to its parent, waking it.</summary>
public sealed record ParentNotice(string ParentRunId, NewEvent Event);

/// <summary>
/// Everything one step commits at once: its events, the run's new position, large results by
/// hash, its usage event, child runs it starts, and the notice to a parent. Applied only while
/// the committing replica holds the lease with <see cref="Fence"/> and the run's last event is
/// still <see cref="ExpectedSeq"/>.
/// </summary>
public sealed record RunCommit(string RunId, string Owner, long Fence, int ExpectedSeq, IReadOnlyList<NewEvent> Events, RunUpdate Update)
{
    public long Now { get; init; }

    public IReadOnlyList<(string Hash, byte[] Content)> Blobs { get; init; } = [];

    public IReadOnlyList<UsageRecord> Usage { get; init; } = [];

    public IReadOnlyList<(RunRecord Run, IReadOnlyList<NewEvent> Events)> Children { get; init; } = [];

    public ParentNotice? Parent { get; init; }
}

public enum CommitOutcome
{
    Committed,

    /// <summary>Another event was appended first (a signal, a child's end): reload and go on.</summary>
    Conflict,

    /// <summary>The lease is no longer ours: another replica runs the run now.</summary>
    Fenced,
}

public enum SignalOutcome
{
    Delivered,
    NotFound,
    NotWaiting,
}

/// <summary>A stored workflow version.</summary>
public sealed record StoredWorkflow(string Tenant, string Name, int Version, string DefinitionJson, string Digest, string CreatedBy, long CreatedAt)
{
    public int LatestVersion { get; init; }
}

/// <summary>A run the scheduler has claimed: its id and the fencing token of the lease.</summary>
public sealed record ClaimedRun(string RunId, long Fence);

/// <summary>What a lease renewal found: still held, and whether a cancel was asked for.</summary>
public sealed record LeaseState(string RunId, bool Held, bool CancelRequested);
