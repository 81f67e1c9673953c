using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>Limits of every run of a workflow; a start may ask for lower ones.</summary>
public sealed record WorkflowLimits(int MaxSteps, TimeSpan Deadline)
{
    public static readonly WorkflowLimits Default = new(200, TimeSpan.FromHours(1));

    public const int MostSteps = 100_000;

    public static readonly TimeSpan LongestDeadline = TimeSpan.FromDays(30);
}

/// <summary>
/// A workflow as data: its name, typed inputs (a JSON Schema), the schema of its state, limits,
/// and a graph of steps starting at <see cref="Start"/>. Runs are pinned to one version of it.
/// </summary>
public sealed record WorkflowDefinition(
    string Name,
    string Description,
    JsonObject Inputs,
    JsonObject? State,
    WorkflowLimits Limits,
    string Start,
    IReadOnlyList<StepDefinition> Steps,
    JsonNode? Output)
{
    private Dictionary<string, StepDefinition>? _byId;

    public StepDefinition? Find(string id) => (_byId ??= Steps.ToDictionary(s => s.Id, StringComparer.Ordinal)).GetValueOrDefault(id);

    /// <summary>Tools the steps call (compensations and fan-out bodies included).</summary>
    public IReadOnlyList<string> Tools { get; init; } = [];

    /// <summary>Models the steps call.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Workflows started as subworkflows, with the version asked for (0: the latest at start).</summary>
    public IReadOnlyList<(string Name, int Version)> Subworkflows { get; init; } = [];
}
