namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>Makes a control group per sandbox run, limited as the run's limits say.</summary>
public interface ICgroupDriver
{
    /// <summary>v1 or v2.</summary>
    string Version { get; }

    ISandboxCgroup Create(string name, Registry.SandboxLimits limits);
}

/// <summary>
/// One run's control group: the wrapper writes its own pid to every <see cref="ProcsFiles"/>
/// before it execs the sandbox, so every process of the run is in it from the first instruction.
/// Disposing removes it (after killing whatever is left).
/// </summary>
public interface ISandboxCgroup : IDisposable
{
    IReadOnlyList<string> ProcsFiles { get; }

    /// <summary>
    /// Kills every process in the group and waits until it is empty (or a second has passed);
    /// <paramref name="signalled"/> is called once SIGKILL is pending on every process of it (from
    /// then on none of them runs another instruction of its own).
    /// </summary>
    void Kill(Action? signalled = null);

    /// <summary>Pids still in the group.</summary>
    IReadOnlyList<int> Processes();

    CgroupStats Read();
}

/// <summary>What a run used: CPU time of all its processes, the most memory it held, how many times the kernel killed one for memory.</summary>
public sealed record CgroupStats(double CpuMs, long PeakMemoryBytes, long OomKills);
