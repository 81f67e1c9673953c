using System.Diagnostics;

namespace Mesh.Inference.Devices;

/// <summary>This process's CPU utilization (0..1 of all cores) since the previous reading.</summary>
public sealed class CpuUsage(TimeProvider time)
{
    private readonly Lock _lock = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastAt = time.GetTimestamp();
    private double _last;

    public double Read()
    {
        lock (_lock)
        {
            var elapsed = time.GetElapsedTime(_lastAt);
            if (elapsed < TimeSpan.FromMilliseconds(200))
            {
                return _last;
            }

            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            _last = Math.Clamp((cpu - _lastCpu).TotalMilliseconds / (elapsed.TotalMilliseconds * Environment.ProcessorCount), 0, 1);
            _lastCpu = cpu;
            _lastAt = time.GetTimestamp();
            return _last;
        }
    }

    /// <summary>The process's resident memory in bytes.</summary>
    public static long WorkingSet() => Environment.WorkingSet;
}
