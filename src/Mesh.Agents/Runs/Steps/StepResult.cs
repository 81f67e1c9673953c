using System.Text.Json.Nodes;
using Mesh.Usage.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary>A tool call a step made: which tool, under which key, and whether the tools service answered it from its ledger.</summary>
public sealed record ToolCall(string Tool, string IdempotencyKey, JsonNode? Result, bool Replayed);

/// <summary>What a step attempt produced.</summary>
public sealed record StepResult(JsonNode? Result, string Summary)
{
    /// <summary>The model, tool, knowledge set or signal used.</summary>
    public string Name { get; init; } = "";

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>Where the run goes next instead of the step's <c>next</c> (branches).</summary>
    public string? Next { get; init; }

    /// <summary>State changes besides the step's output (set steps).</summary>
    public JsonObject? Changes { get; init; }

    public ToolCall? Tool { get; init; }

    /// <summary>Further usage events the step made (a built-in retrieval), committed and published with its own.</summary>
    public IReadOnlyList<UsageEvent> Usage { get; init; } = [];
}
