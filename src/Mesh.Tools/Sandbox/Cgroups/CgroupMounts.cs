namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>
/// Where the cgroup hierarchies are mounted and where this process sits in each, from
/// <c>/proc/self/mountinfo</c> and <c>/proc/self/cgroup</c>.
/// </summary>
public sealed class CgroupMounts
{
    private CgroupMounts(IReadOnlyList<(string MountPoint, IReadOnlySet<string> Controllers, bool Unified)> mounts, IReadOnlyDictionary<string, string> ownPaths)
    {
        Mounts = mounts;
        OwnPaths = ownPaths;
    }

    /// <summary>Every cgroup mount: v1 hierarchies with their controllers, the v2 (unified) one.</summary>
    public IReadOnlyList<(string MountPoint, IReadOnlySet<string> Controllers, bool Unified)> Mounts { get; }

    /// <summary>This process's path in each hierarchy, by controller ("" for the unified one).</summary>
    public IReadOnlyDictionary<string, string> OwnPaths { get; }

    public static CgroupMounts Read(string procRoot = "/proc") => Parse(
        File.ReadAllLines(Path.Combine(procRoot, "self", "mountinfo")),
        File.ReadAllLines(Path.Combine(procRoot, "self", "cgroup")));

    public static CgroupMounts Parse(IEnumerable<string> mountinfo, IEnumerable<string> cgroup)
    {
        var mounts = new List<(string, IReadOnlySet<string>, bool)>();
        foreach (var line in mountinfo)
        {
            // 32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }

            var fields = line[..separator].Split(' ');
            var tail = line[(separator + 3)..].Split(' ');
            if (fields.Length < 5 || tail.Length < 3)
            {
                continue;
            }

            var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            if (tail[0] == "cgroup2")
            {
                mounts.Add((mountPoint, new HashSet<string>(), true));
            }
            else if (tail[0] == "cgroup")
            {
                mounts.Add((mountPoint, tail[2].Split(',').ToHashSet(StringComparer.Ordinal), false));
            }
        }

        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in cgroup)
        {
            // 4:memory:/process_api/6dc3  or  2:cpu,cpuacct:/  or  0::/system.slice/x
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            foreach (var controller in parts[1].Split(','))
            {
                own[controller] = parts[2];
            }
        }

        return new CgroupMounts(mounts, own);
    }

    /// <summary>The v1 hierarchy holding <paramref name="controller"/>: its mount point and this process's path in it.</summary>
    public (string MountPoint, string OwnPath)? V1(string controller)
    {
        var mount = Mounts.FirstOrDefault(m => !m.Unified && m.Controllers.Contains(controller));
        return mount.MountPoint is null ? null : (mount.MountPoint, OwnPaths.GetValueOrDefault(controller, "/"));
    }

    /// <summary>The unified hierarchy: its mount point and this process's path in it.</summary>
    public (string MountPoint, string OwnPath)? V2()
    {
        var mount = Mounts.FirstOrDefault(m => m.Unified);
        return mount.MountPoint is null ? null : (mount.MountPoint, OwnPaths.GetValueOrDefault("", "/"));
    }
}
