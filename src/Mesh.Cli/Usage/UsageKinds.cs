using Mesh.Usage.V1;

namespace Mesh.Cli.Usage;

/// <summary>Maps <c>--kind</c> names to usage kinds.</summary>
public static class UsageKinds
{
    private static readonly Dictionary<string, UsageKind> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["model_call"] = UsageKind.ModelCall,
        ["embedding"] = UsageKind.Embedding,
        ["tool_call"] = UsageKind.ToolCall,
        ["workflow_step"] = UsageKind.WorkflowStep,
        ["retrieval"] = UsageKind.Retrieval,
        ["audit"] = UsageKind.Audit,
        ["outcome"] = UsageKind.Outcome,
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryParse(string? text, out UsageKind kind) =>
        ByName.TryGetValue((text ?? string.Empty).Trim().Replace('-', '_'), out kind);
}
