namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>Picks the cgroup driver this machine supports (<see cref="SandboxOptions.Cgroups"/>).</summary>
public static class CgroupDrivers
{
    /// <summary>The driver, or null with every reason none works.</summary>
    public static ICgroupDriver? Detect(string mode, CgroupMounts mounts, out string problem)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        var problems = new List<string>();
        if (mode is "auto" or "v2")
        {
            if (CgroupV2Driver.TryCreate(mounts, out var v2Problem) is { } v2)
            {
                problem = "";
                return v2;
            }

            problems.Add(v2Problem);
        }

        if (mode is "auto" or "v1")
        {
            if (CgroupV1Driver.TryCreate(mounts, out var v1Problem) is { } v1)
            {
                problem = "";
                return v1;
            }

            problems.Add(v1Problem);
        }

        problem = string.Join("; ", problems);
        return null;
    }
}
