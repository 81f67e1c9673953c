using System.Globalization;

namespace Mesh.Tools.Sandbox.Cgroups;

/// <summary>Reading and writing cgroup control files.</summary>
internal static class CgroupFiles
{
    public static void Write(string directory, string file, string value) => File.WriteAllText(Path.Combine(directory, file), value);

    /// <summary>Writes when the file exists (optional controls such as memory.memsw.limit_in_bytes); false when it does not.</summary>
    public static bool TryWrite(string directory, string file, string value)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            File.WriteAllText(path, value);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public static long ReadLong(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    /// <summary>A value from a flat keyed file (<c>oom_kill 3</c>, <c>usage_usec 1200</c>); 0 when absent.</summary>
    public static long ReadKey(string directory, string file, string key)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return 0;
    }

    public static IReadOnlyList<int> Pids(string directory)
    {
        var path = Path.Combine(directory, "cgroup.procs");
        if (!File.Exists(path))
        {
            return [];
        }

        return [.. File.ReadAllLines(path).Select(l => int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(p => p > 0)];
    }

    /// <summary>Removes a group's directory once it is empty, trying again briefly while the kernel finishes with exited processes.</summary>
    public static void Remove(string directory)
    {
        for (var attempt = 0; attempt < 50 && Directory.Exists(directory); attempt++)
        {
            try
            {
                Directory.Delete(directory);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>The name of a group made by this process; <see cref="RemoveOrphans"/> knows it by the pid in it.</summary>
    public static string GroupName(string kind) => $"{kind}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";

    /// <summary>
    /// Kills and removes groups under <paramref name="parent"/> left by processes that no longer
    /// exist (a service that crashed, a test host killed mid-cleanup); groups of live processes stay.
    /// </summary>
    public static void RemoveOrphans(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        foreach (var group in Directory.EnumerateDirectories(parent))
        {
            var parts = Path.GetFileName(group).Split('-');
            if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var owner) && !Directory.Exists($"/proc/{owner}"))
            {
                KillAll(Pids(group));
                Remove(group);
            }
        }
    }

    public static void KillAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            _ = Interop.Kill(pid, Interop.SigKill);
        }
    }
}
