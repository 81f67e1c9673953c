namespace Mesh.Tools.Registry;

/// <summary>What one sandboxed run may use.</summary>
/// <param name="MemoryBytes">Memory of every process of the run together (cgroup), and each one's address space (rlimit).</param>
/// <param name="MaxProcesses">Processes and threads alive at once (cgroup pids).</param>
/// <param name="CpuCores">CPU quota in cores (cgroup cpu).</param>
/// <param name="OutputBytes">How much of stdout and of stderr is kept, each.</param>
public sealed record SandboxLimits(long MemoryBytes, int MaxProcesses, double CpuCores, long OutputBytes)
{
    public V1.ToolLimits ToMessage() => new()
    {
        MemoryBytes = MemoryBytes,
        MaxProcesses = MaxProcesses,
        CpuCores = CpuCores,
        OutputBytes = OutputBytes,
    };
}
