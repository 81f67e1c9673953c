using Mesh.Agents.Runs.Store;
using Mesh.Agents.Workflows.Definitions;

namespace Mesh.Agents.Workflows;

/// <summary>A stored workflow version and its definition, read and checked.</summary>
public sealed record ResolvedWorkflow(StoredWorkflow Stored, WorkflowDefinition Definition, bool BuiltIn);

/// <summary>What a run is pinned to when it starts: subworkflow versions, and every tool and model the whole tree calls (its token's scope).</summary>
public sealed record RunPins(System.Text.Json.Nodes.JsonObject Versions, IReadOnlyList<string> Tools, IReadOnlyList<string> Models);
