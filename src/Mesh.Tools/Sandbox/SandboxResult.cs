using System.Text.Json.Nodes;
using Mesh.Tools.V1;

namespace Mesh.Tools.Sandbox;

/// <summary>How a sandboxed command ended and what it used.</summary>
/// <param name="ExitCode">The program's exit status; -1 when the supervisor killed it.</param>
/// <param name="KilledBy">Empty, <c>memory</c> (the kernel killed it at its memory limit) or <c>wall_clock</c>.</param>
public sealed record SandboxResult(
    int ExitCode,
    string Stdout,
    string Stderr,
    bool StdoutTruncated,
    bool StderrTruncated,
    string KilledBy,
    double CpuMs,
    long PeakMemoryBytes,
    TimeSpan Wall)
{
    public const string Memory = "memory";
    public const string WallClock = "wall_clock";

    public ToolRunStats ToStats() => new()
    {
        ExitCode = ExitCode,
        CpuMs = CpuMs,
        PeakMemoryBytes = PeakMemoryBytes,
        KilledBy = KilledBy,
        StdoutTruncated = StdoutTruncated,
        StderrTruncated = StderrTruncated,
    };

    /// <summary>The tool result: output and status together.</summary>
    public JsonObject ToJson() => new()
    {
        ["exit_code"] = ExitCode,
        ["stdout"] = Stdout,
        ["stderr"] = Stderr,
        ["stdout_truncated"] = StdoutTruncated,
        ["stderr_truncated"] = StderrTruncated,
        ["killed_by"] = KilledBy,
        ["cpu_ms"] = Math.Round(CpuMs, 3),
        ["peak_memory_bytes"] = PeakMemoryBytes,
        ["wall_ms"] = Math.Round(Wall.TotalMilliseconds, 3),
    };
}
