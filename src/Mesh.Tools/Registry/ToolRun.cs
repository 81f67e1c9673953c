namespace Mesh.Tools.Registry;

/// <summary>
/// The run of one tool call, made current by the executor: what the call is for (tenant, agent
/// run) and what the tool measured about itself (a sandboxed process reports its CPU time, peak
/// memory and exit status here; the executor puts them on the response and the usage event).
/// </summary>
public sealed class ToolRun
{
    private static readonly AsyncLocal<ToolRun?> CurrentRun = new();

    public ToolRun(string tenant, string runId)
    {
        Tenant = tenant;
        RunId = runId;
    }

    /// <summary>The run of the tool call being executed, or null outside one.</summary>
    public static ToolRun? Current => CurrentRun.Value;

    public string Tenant { get; }

    /// <summary>The agent run the call belongs to; empty outside runs.</summary>
    public string RunId { get; }

    /// <summary>What a sandboxed process reported; null for tools that run in the service.</summary>
    public V1.ToolRunStats? Stats { get; set; }

    public static IDisposable Enter(ToolRun run)
    {
        var previous = CurrentRun.Value;
        CurrentRun.Value = run;
        return new Restore(previous);
    }

    private sealed class Restore(ToolRun? previous) : IDisposable
    {
        public void Dispose() => CurrentRun.Value = previous;
    }
}
