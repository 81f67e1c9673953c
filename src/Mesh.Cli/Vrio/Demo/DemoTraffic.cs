using Mesh.Telemetry.V1;
using Mesh.Usage.V1;

namespace Mesh.Cli.Vrio.Demo;

/// <summary>
/// How one capability's calls look: the usage event they make, the price class they are billed at
/// (empty: their own name), token, device-time and queue ranges, and how often they succeed.
/// </summary>
public sealed record DemoCall(
    string Kind,
    string Name,
    string Version,
    UsageKind Event,
    string Service,
    string PriceClass = "",
    int InputMin = 0,
    int InputMax = 0,
    int OutputMin = 0,
    int OutputMax = 0,
    int ComputeMin = 0,
    int ComputeMax = 0,
    int QueueMin = 2,
    int QueueMax = 40,
    double Success = 1,
    string Device = "")
{
    /// <summary>The object permission checks name, e.g. <c>model:support-ft</c>.</summary>
    public string Object => $"{Kind}:{Name}";
}

/// <summary>A call inside each run; from <see cref="TrialFromDay"/> days ago on, <see cref="TrialShare"/> of the runs call <see cref="Trial"/> instead.</summary>
public sealed record DemoStep(DemoCall Call, DemoCall? Trial = null, double TrialShare = 0, int TrialFromDay = 0);

/// <summary>
/// Runs of a workflow: its steps, the calls each run makes, how many runs a working day has
/// (weekends a third), since how many days ago, and each run's outcome (resolved with
/// <see cref="Resolved"/> probability, worth <see cref="ValueUsd"/>).
/// </summary>
public sealed record DemoRuns(DemoCall Workflow, int Steps, IReadOnlyList<DemoStep> Calls, double PerWorkday, int FirstDay, double Resolved, decimal ValueUsd, string OutcomeName);

/// <summary>Calls made outside runs, with a share of requests the permission check denies.</summary>
public sealed record DemoStream(DemoCall Call, double PerWorkday, int FirstDay, double DenyRate = 0);

/// <summary>A demo tenant: what it is, who works in it, its traffic and the metadata its owners set.</summary>
public sealed record DemoTenant(
    string Id,
    string Story,
    IReadOnlyList<string> Principals,
    IReadOnlyList<DemoRuns> Runs,
    IReadOnlyList<DemoStream> Streams,
    IReadOnlyList<Capability> Metadata);
