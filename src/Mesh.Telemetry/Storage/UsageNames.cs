using Mesh.Usage.V1;

namespace Mesh.Telemetry.Storage;

/// <summary>The short lowercase names kinds and statuses are stored under.</summary>
public static class UsageNames
{
    public const string Ok = "ok";

    public static string Kind(UsageKind kind) => kind switch
    {
        UsageKind.ModelCall => "model_call",
        UsageKind.Embedding => "embedding",
        UsageKind.ToolCall => "tool_call",
        UsageKind.WorkflowStep => "workflow_step",
        UsageKind.Retrieval => "retrieval",
        UsageKind.Audit => "audit",
        UsageKind.Outcome => "outcome",
        UsageKind.Unspecified => "unspecified",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown usage kind"),
    };

    public static string Status(UsageStatus status) => status switch
    {
        UsageStatus.Ok => Ok,
        UsageStatus.Error => "error",
        UsageStatus.Cancelled => "cancelled",
        UsageStatus.Denied => "denied",
        UsageStatus.Unspecified => "unspecified",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown usage status"),
    };

    public static bool IsKnown(UsageKind kind) => Enum.IsDefined(kind);

    public static bool IsKnown(UsageStatus status) => Enum.IsDefined(status);
}
