using Mesh.Tools.Registry;
using Mesh.Tools.Sandbox.Cgroups;

namespace Mesh.Tools.Tests.Sandbox;

/// <summary>
/// The cgroup drivers against a folder laid out like each hierarchy (v2 is what production Debian 12
/// has; these machines have v1, where the sandbox tests run for real).
/// </summary>
public sealed class CgroupDriverTests : IDisposable
{
    private static readonly SandboxLimits Limits = new(64L << 20, 16, 0.5, 1024);
    private readonly string _root = TestFolders.New("mesh-cgroupfs");

    public void Dispose() => TestFolders.Delete(_root);

    [Fact]
    public void Parse_HybridMachine_FindsEachV1HierarchyAndOwnPaths()
    {
        var mounts = CgroupMounts.Parse(
            [
                "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "40 31 0:37 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
                "22 1 0:20 / /proc rw - proc proc rw",
            ],
            ["4:memory:/process_api/abc", "2:cpu,cpuacct:/", "0::/user.slice"]);

        Assert.Equal(("/sys/fs/cgroup/memory", "/process_api/abc"), mounts.V1("memory"));
        Assert.Equal(("/sys/fs/cgroup/cpu", "/"), mounts.V1("cpu"));
        Assert.Equal(("/sys/fs/cgroup/cpu,cpuacct", "/"), mounts.V1("cpuacct"));
        Assert.Null(mounts.V1("pids"));
        Assert.Equal(("/sys/fs/cgroup/unified", "/user.slice"), mounts.V2());
    }

    [Fact]
    public void V2_GroupLimitedAndRead_WritesTheUnifiedFilesAndParsesStats()
    {
        var own = Directory.CreateDirectory(Path.Combine(_root, "service.slice")).FullName;
        File.WriteAllText(Path.Combine(own, "cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        var mounts = CgroupMounts.Parse([$"30 1 0:26 / {_root} rw - cgroup2 cgroup2 rw"], ["0::/service.slice"]);

        var driver = CgroupDrivers.Detect("auto", mounts, out var problem);
        using var group = driver!.Create("run-1", Limits);
        var directory = Path.Combine(own, "mesh-sandbox", "run-1");
        File.WriteAllText(Path.Combine(directory, "cpu.stat"), "usage_usec 12500\nuser_usec 10000\nsystem_usec 2500\n");
        File.WriteAllText(Path.Combine(directory, "memory.peak"), "52428800\n");
        File.WriteAllText(Path.Combine(directory, "memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");

        Assert.Equal(("v2", ""), (driver.Version, problem));
        Assert.Equal("+memory +pids +cpu", File.ReadAllText(Path.Combine(own, "cgroup.subtree_control")));
        Assert.Equal("+memory +pids +cpu", File.ReadAllText(Path.Combine(own, "mesh-sandbox", "cgroup.subtree_control")));
        Assert.Equal("67108864", File.ReadAllText(Path.Combine(directory, "memory.max")));
        Assert.Equal("16", File.ReadAllText(Path.Combine(directory, "pids.max")));
        Assert.Equal("50000 100000", File.ReadAllText(Path.Combine(directory, "cpu.max")));
        Assert.Equal([Path.Combine(directory, "cgroup.procs")], group.ProcsFiles);
        Assert.Equal(new CgroupStats(12.5, 52_428_800, 1), group.Read());
    }

    [Fact]
    public void V2_ControllersBoundToV1_NotChosenAndV1UsedInstead()
    {
        var unified = Directory.CreateDirectory(Path.Combine(_root, "unified")).FullName;
        File.WriteAllText(Path.Combine(unified, "cgroup.controllers"), "hugetlb\n");
        var lines = new List<string> { $"41 31 0:38 / {unified} rw - cgroup2 cgroup2 rw" };
        foreach (var controller in new[] { "memory", "pids", "cpu", "cpuacct" })
        {
            lines.Add($"3{lines.Count} 31 0:3{lines.Count} / {Directory.CreateDirectory(Path.Combine(_root, controller)).FullName} rw - cgroup cgroup rw,{controller}");
        }

        var driver = CgroupDrivers.Detect("auto", CgroupMounts.Parse(lines, ["1:memory:/", "2:pids:/", "3:cpu:/", "4:cpuacct:/", "0::/"]), out _);
        using var group = driver!.Create("run-2", Limits);

        Assert.Equal("v1", driver.Version);
        Assert.Equal("67108864", File.ReadAllText(Path.Combine(_root, "memory", "mesh-sandbox", "run-2", "memory.limit_in_bytes")));
        Assert.Equal("16", File.ReadAllText(Path.Combine(_root, "pids", "mesh-sandbox", "run-2", "pids.max")));
        Assert.Equal("50000", File.ReadAllText(Path.Combine(_root, "cpu", "mesh-sandbox", "run-2", "cpu.cfs_quota_us")));
        Assert.Equal(4, group.ProcsFiles.Count);
    }

    [Fact]
    public void Detect_NoHierarchies_NullWithEveryReason()
    {
        var driver = CgroupDrivers.Detect("auto", CgroupMounts.Parse([], []), out var problem);

        Assert.Null(driver);
        Assert.Contains("no cgroup v2 hierarchy is mounted", problem, StringComparison.Ordinal);
        Assert.Contains("cgroup v1 hierarchies not mounted: memory, pids, cpu, cpuacct", problem, StringComparison.Ordinal);
    }
}
