using System.Globalization;
using Mesh.Tools.Registry;

namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>
/// cgroups v2 (production Debian 12): one group per run under <c>mesh-sandbox</c> beside this
/// process's own group's processes. A non-root group with processes cannot hand controllers to
/// children, so the processes of this process's group move to a leaf <c>mesh-service</c> first
/// (as systemd's delegation expects); memory, pids and cpu are then enabled for the sandboxes.
/// </summary>
public sealed class CgroupV2Driver : ICgroupDriver
{
    private static readonly string[] Required = ["memory", "pids", "cpu"];
    private readonly string _parent;

    private CgroupV2Driver(string parent) => _parent = parent;

    public string Version => "v2";

    /// <summary>The driver when the unified hierarchy can give sandboxes memory, pids and cpu controllers; else null with why.</summary>
    public static CgroupV2Driver? TryCreate(CgroupMounts mounts, out string problem)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        if (mounts.V2() is not { } unified)
        {
            problem = "no cgroup v2 hierarchy is mounted";
            return null;
        }

        var own = unified.MountPoint + unified.OwnPath.TrimEnd('/');
        var available = File.Exists(Path.Combine(own, "cgroup.controllers"))
            ? File.ReadAllText(Path.Combine(own, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        var missing = Required.Except(available).ToList();
        if (missing.Count > 0)
        {
            problem = $"the cgroup v2 group {own} lacks the controllers {string.Join(", ", missing)} (they may be bound to v1 hierarchies)";
            return null;
        }

        try
        {
            var parent = Path.Combine(own, "mesh-sandbox");
            Delegate(own);
            Directory.CreateDirectory(parent);
            CgroupFiles.Write(parent, "cgroup.subtree_control", "+memory +pids +cpu");
            CgroupFiles.RemoveOrphans(parent);
            problem = "";
            return new CgroupV2Driver(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot create sandbox groups under {own}: {ex.Message}";
            return null;
        }
    }

    public ISandboxCgroup Create(string name, SandboxLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var directory = Path.Combine(_parent, name);
        var group = new Group(directory);
        try
        {
            Directory.CreateDirectory(directory);
            CgroupFiles.Write(directory, "memory.max", Text(limits.MemoryBytes));
            CgroupFiles.TryWrite(directory, "memory.swap.max", "0");
            CgroupFiles.Write(directory, "pids.max", Text(limits.MaxProcesses));
            CgroupFiles.Write(directory, "cpu.max", $"{Text((long)Math.Ceiling(limits.CpuCores * 100_000))} 100000");
            return group;
        }
        catch
        {
            group.Dispose();
            throw;
        }
    }

    /// <summary>Enables the controllers below <paramref name="own"/>, first moving its processes to a leaf when the kernel insists.</summary>
    private static void Delegate(string own)
    {
        var control = "+" + string.Join(" +", Required);
        try
        {
            CgroupFiles.Write(own, "cgroup.subtree_control", control);
        }
        catch (IOException)
        {
            // EBUSY: the group has processes ("no internal processes"); move them to a leaf of their own.
            var leaf = Path.Combine(own, "mesh-service");
            Directory.CreateDirectory(leaf);
            foreach (var pid in CgroupFiles.Pids(own))
            {
                try
                {
                    CgroupFiles.Write(leaf, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));
                }
                catch (IOException)
                {
                    // exited meanwhile
                }
            }

            CgroupFiles.Write(own, "cgroup.subtree_control", control);
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class Group(string directory) : ISandboxCgroup
    {
        public IReadOnlyList<string> ProcsFiles => [Path.Combine(directory, "cgroup.procs")];

        public IReadOnlyList<int> Processes() => CgroupFiles.Pids(directory);

        public void Kill(Action? signalled = null)
        {
            var killed = new HashSet<int>();
            for (var attempt = 0; attempt < 100 && Processes().Count > 0; attempt++)
            {
                // cgroup.kill (Linux 5.14) kills the whole group at once, forks racing with it included.
                if (CgroupFiles.TryWrite(directory, "cgroup.kill", "1"))
                {
                    signalled?.Invoke();
                    signalled = null;
                }
                else
                {
                    CgroupFiles.TryWrite(directory, "cgroup.freeze", "1");
                    CgroupFiles.KillAll(Processes().Where(killed.Add));
                    if (signalled is not null && Processes().All(killed.Contains))
                    {
                        signalled();
                        signalled = null;
                    }

                    CgroupFiles.TryWrite(directory, "cgroup.freeze", "0");
                }

                Thread.Sleep(attempt < 10 ? 1 : 10);
            }

            signalled?.Invoke();
        }

        public CgroupStats Read() => new(
            CgroupFiles.ReadKey(directory, "cpu.stat", "usage_usec") / 1000.0,
            CgroupFiles.ReadLong(directory, "memory.peak"),
            CgroupFiles.ReadKey(directory, "memory.events", "oom_kill"));

        public void Dispose()
        {
            Kill();
            CgroupFiles.Remove(directory);
        }
    }
}
