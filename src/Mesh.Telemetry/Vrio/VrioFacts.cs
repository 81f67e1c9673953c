namespace Mesh.Telemetry.Vrio;

/// <summary>What the store says about one capability over a window.</summary>
public sealed record CapabilityUsage(CapabilityKey Key)
{
    public long Calls { get; init; }
    public long Ok { get; init; }
    public decimal CostUsd { get; init; }
    public long Principals { get; init; }
    public long Agents { get; init; }
    public long Traced { get; init; }
    public long Priced { get; init; }
    public double P95Ms { get; init; }
    public double ComputeSeconds { get; init; }
    public int Days { get; init; }

    public double SuccessRate => Calls == 0 ? 0 : (double)Ok / Calls;
}

/// <summary>
/// A capability's history up to the window's end: its first use and calls (all time, to the hour:
/// from the hourly roll-up), its versions, and the runs of the window that used it.
/// </summary>
public sealed record CapabilityHistory(DateTime FirstUse, long Versions, long Runs, long Calls);

/// <summary>Outcome events that name their capability, of one success and day: how many, and their value together.</summary>
public sealed record OutcomeFact(CapabilityKey Capability, bool Success, decimal ValueUsd, long Day)
{
    public long Count { get; init; } = 1;
}

/// <summary>
/// What one capability got of its runs' outcomes on one day (the outcome's): the successful
/// outcomes' value by its share of each run's cost and in equal parts (a workflow: the whole
/// value), and the outcomes and successful outcomes of those runs.
/// </summary>
public readonly record struct AttributedValue(decimal ValueUsd, decimal EqualSplitUsd, long Outcomes, long Successful)
{
    public static AttributedValue operator +(AttributedValue a, AttributedValue b) =>
        new(a.ValueUsd + b.ValueUsd, a.EqualSplitUsd + b.EqualSplitUsd, a.Outcomes + b.Outcomes, a.Successful + b.Successful);
}

/// <summary>Everything one window's indicators are computed from.</summary>
public sealed class VrioFacts
{
    public required DateTime From { get; init; }
    public required DateTime To { get; init; }
    public Dictionary<CapabilityKey, CapabilityUsage> Usage { get; } = [];
    /// <summary>Cost per capability and day (days since the epoch).</summary>
    public Dictionary<CapabilityKey, Dictionary<long, decimal>> DailyCost { get; } = [];
    /// <summary>Run outcomes attributed to the capabilities the runs used, per capability and outcome day (computed in the store).</summary>
    public Dictionary<CapabilityKey, Dictionary<long, AttributedValue>> Attributed { get; } = [];
    /// <summary>The whole cost of each workflow's runs per run day (a run's day: its first capability event's).</summary>
    public Dictionary<CapabilityKey, Dictionary<long, decimal>> WorkflowRunCost { get; } = [];
    /// <summary>Outcomes that name their capability (rather than a run).</summary>
    public List<OutcomeFact> Outcomes { get; } = [];
    /// <summary>Access decisions per object (<c>model:x</c>, <c>tool:y</c>): allowed and denied.</summary>
    public Dictionary<string, (long Allowed, long Denied)> Audits { get; } = new(StringComparer.Ordinal);
    /// <summary>History per capability name (kind and name, version empty).</summary>
    public Dictionary<CapabilityKey, CapabilityHistory> History { get; } = [];
    /// <summary>Runs of the window per capability name (kind and name, version empty).</summary>
    public Dictionary<CapabilityKey, long> RunsByName { get; } = [];
    /// <summary>Workflows (by name) whose runs used each model and tool.</summary>
    public Dictionary<CapabilityKey, HashSet<string>> DependentWorkflows { get; } = [];
}
