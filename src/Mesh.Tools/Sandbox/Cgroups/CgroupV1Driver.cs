using System.Globalization;
using Mesh.Tools.Registry;

namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>
/// cgroups v1: one group per run in each of the memory, pids, cpu and cpuacct hierarchies, under
/// this process's own group in each (<c>.../mesh-sandbox/&lt;run&gt;</c>). Not the freezer: each
/// hierarchy joined costs the run a task migration (an RCU grace period at worst), and killing
/// converges without it, since a process with SIGKILL pending can fork no more.
/// </summary>
public sealed class CgroupV1Driver : ICgroupDriver
{
    private static readonly string[] Required = ["memory", "pids", "cpu", "cpuacct"];
    private readonly Dictionary<string, string> _parents;

    private CgroupV1Driver(Dictionary<string, string> parents) => _parents = parents;

    public string Version => "v1";

    /// <summary>The driver when every required hierarchy is mounted; else null with what is missing.</summary>
    public static CgroupV1Driver? TryCreate(CgroupMounts mounts, out string problem)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        var parents = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var controller in Required)
        {
            if (mounts.V1(controller) is { } found)
            {
                parents[controller] = Path.Combine(found.MountPoint + found.OwnPath.TrimEnd('/'), "mesh-sandbox");
            }
            else
            {
                missing.Add(controller);
            }
        }

        if (missing.Count > 0)
        {
            problem = $"cgroup v1 hierarchies not mounted: {string.Join(", ", missing)}";
            return null;
        }

        try
        {
            foreach (var parent in parents.Values.Distinct(StringComparer.Ordinal))
            {
                Directory.CreateDirectory(parent);
                CgroupFiles.RemoveOrphans(parent);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot create sandbox groups in the cgroup v1 hierarchies: {ex.Message}";
            return null;
        }

        problem = "";
        return new CgroupV1Driver(parents);
    }

    public ISandboxCgroup Create(string name, SandboxLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        // Controllers mounted together (cpu,cpuacct) share one directory.
        var directories = _parents.ToDictionary(p => p.Key, p => Path.Combine(p.Value, name), StringComparer.Ordinal);
        var group = new Group(directories);
        try
        {
            foreach (var directory in directories.Values.Distinct(StringComparer.Ordinal))
            {
                Directory.CreateDirectory(directory);
            }

            var memory = directories["memory"];
            CgroupFiles.Write(memory, "memory.limit_in_bytes", Text(limits.MemoryBytes));
            CgroupFiles.TryWrite(memory, "memory.memsw.limit_in_bytes", Text(limits.MemoryBytes));
            CgroupFiles.TryWrite(memory, "memory.swappiness", "0");
            CgroupFiles.Write(directories["pids"], "pids.max", Text(limits.MaxProcesses));
            var cpu = directories["cpu"];
            CgroupFiles.Write(cpu, "cpu.cfs_period_us", "100000");
            CgroupFiles.Write(cpu, "cpu.cfs_quota_us", Text((long)Math.Ceiling(limits.CpuCores * 100_000)));
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Group(Dictionary<string, string> directories) : ISandboxCgroup
    {
        private readonly string[] _distinct = [.. directories.Values.Distinct(StringComparer.Ordinal)];

        public IReadOnlyList<string> ProcsFiles => [.. _distinct.Select(d => Path.Combine(d, "cgroup.procs"))];

        public IReadOnlyList<int> Processes() => CgroupFiles.Pids(directories["pids"]);

        public void Kill(Action? signalled = null)
        {
            var killed = new HashSet<int>();
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var pids = Processes();
                if (pids.Count == 0)
                {
                    break;
                }

                // A process with SIGKILL pending can fork no more: once every process seen has it, the group only shrinks.
                CgroupFiles.KillAll(pids.Where(killed.Add));
                if (signalled is not null && Processes().All(killed.Contains))
                {
                    signalled();
                    signalled = null;
                }

                Thread.Sleep(attempt < 10 ? 1 : 10);
            }

            signalled?.Invoke();
        }

        public CgroupStats Read() => new(
            CgroupFiles.ReadLong(directories["cpuacct"], "cpuacct.usage") / 1_000_000.0,
            CgroupFiles.ReadLong(directories["memory"], "memory.max_usage_in_bytes"),
            CgroupFiles.ReadKey(directories["memory"], "memory.oom_control", "oom_kill"));

        public void Dispose()
        {
            Kill();
            foreach (var directory in _distinct)
            {
                CgroupFiles.Remove(directory);
            }
        }
    }
}
