using Mesh.Agents.V1;

namespace Mesh.Console.Runs;

/// <summary>Run statuses as the pages and their filters name them.</summary>
public static class RunStatuses
{
    public static IReadOnlyList<(string Name, RunStatus Status)> All { get; } =
    [
        ("pending", RunStatus.Pending),
        ("running", RunStatus.Running),
        ("waiting", RunStatus.Waiting),
        ("completed", RunStatus.Completed),
        ("failed", RunStatus.Failed),
        ("cancelled", RunStatus.Cancelled),
    ];

    public static string Name(RunStatus status) => All.FirstOrDefault(s => s.Status == status).Name ?? "unknown";

    public static RunStatus? Parse(string? name) =>
        string.IsNullOrEmpty(name) ? RunStatus.Unspecified : All.Any(s => s.Name == name) ? All.First(s => s.Name == name).Status : null;

    /// <summary>A run that may still change: its page follows it live.</summary>
    public static bool IsLive(RunStatus status) => status is RunStatus.Pending or RunStatus.Running or RunStatus.Waiting;
}
