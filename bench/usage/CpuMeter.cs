using System.Globalization;

namespace Mesh.Bench;

/// <summary>
/// CPU time spent by this process and the servers it started (Kafka broker, ingestor,
/// ClickHouse), read from <c>/proc</c>, so a phase's figures say where the time went.
/// </summary>
internal sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, double> _start;

    private CpuMeter(Dictionary<string, double> start) => _start = start;

    public static CpuMeter Start() => new(Sample());

    /// <summary>CPU seconds per process (and this process's busiest thread groups) since <see cref="Start"/>.</summary>
    public string Summary()
    {
        var now = Sample();
        var parts = now.Select(p => (p.Key, Seconds: p.Value - _start.GetValueOrDefault(p.Key)))
            .Where(p => p.Seconds >= 0.05)
            .OrderByDescending(p => p.Seconds)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Seconds:0.0}"));
        return "cpu s: " + string.Join(", ", parts);
    }

    private static Dictionary<string, double> Sample()
    {
        var cpu = new Dictionary<string, double>();
        if (!OperatingSystem.IsLinux())
        {
            return cpu;
        }

        var self = Environment.ProcessId;
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(Path.Combine(dir, "stat")) is { } stat)
            {
                parents[pid] = stat.Parent;
            }
        }

        foreach (var pid in parents.Keys)
        {
            if (pid == self)
            {
                cpu["bench"] = Stat($"/proc/{pid}/stat") is { } total ? total.Ticks / TicksPerSecond : 0;
                foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                {
                    if (Stat(Path.Combine(task, "stat")) is { } thread)
                    {
                        var group = "bench:" + ThreadGroup(thread.Name);
                        cpu[group] = cpu.GetValueOrDefault(group) + thread.Ticks / TicksPerSecond;
                    }
                }
            }
            else if (DescendsFrom(pid, self, parents) && Stat($"/proc/{pid}/stat") is { } child)
            {
                var name = Label(pid, child.Name);
                cpu[name] = cpu.GetValueOrDefault(name) + child.Ticks / TicksPerSecond;
            }
        }

        return cpu;
    }

    private static string ThreadGroup(string name) =>
        name.StartsWith("rdk:", StringComparison.Ordinal) ? "librdkafka"
        : name.StartsWith(".NET TP", StringComparison.Ordinal) ? "threadpool"
        : name.StartsWith(".NET", StringComparison.Ordinal) ? "runtime"
        : "other";

    private static string Label(int pid, string name)
    {
        try
        {
            var command = File.ReadAllText($"/proc/{pid}/cmdline");
            return command.Contains("KafkaBroker", StringComparison.Ordinal) ? "broker"
                : command.Contains("Telemetry", StringComparison.Ordinal) ? "ingestor"
                : command.Contains("clickhouse", StringComparison.Ordinal) ? "clickhouse"
                : name;
        }
        catch (IOException)
        {
            return name;
        }
    }

    private static bool DescendsFrom(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (var i = 0; i < 16 && parents.TryGetValue(pid, out var parent); i++, pid = parent)
        {
            if (parent == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static (string Name, int Parent, long Ticks)? Stat(string path)
    {
        try
        {
            var text = File.ReadAllText(path);
            var close = text.LastIndexOf(')');
            var name = text[(text.IndexOf('(') + 1)..close];
            var fields = text[(close + 2)..].Split(' ');
            // After the name: state(0) ppid(1) ... utime(11) stime(12)
            return (name, int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>This process's garbage collections and the time they paused it, since <see cref="Start"/>.</summary>
internal sealed class GcCounts
{
    private readonly int[] _collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly TimeSpan _paused = GC.GetTotalPauseDuration();
    private readonly long _allocated = GC.GetTotalAllocatedBytes();

    public static GcCounts Start() => new();

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"bench GCs gen0/1/2 {GC.CollectionCount(0) - _collections[0]}/{GC.CollectionCount(1) - _collections[1]}/{GC.CollectionCount(2) - _collections[2]}, paused {(GC.GetTotalPauseDuration() - _paused).TotalSeconds:0.00} s, allocated {(GC.GetTotalAllocatedBytes() - _allocated) / 1e6:0} MB");
}
