namespace Mesh.Inference.Devices;

/// <summary>
/// The devices beyond what the machine reports (<c>Mesh:Inference:Devices</c>): simulated devices
/// for tests and capacity planning, and how many runs each kind of device executes at once.
/// </summary>
public sealed class DeviceOptions
{
    public const string SectionName = "Mesh:Inference:Devices";

    /// <summary>
    /// Simulated devices: each has the memory and speed given, models are placed on it and
    /// scheduled on it like on a GPU, and its runs execute on the CPU (its device time is the run's
    /// wall time over its speed). Named <c>sim:N</c> unless named.
    /// </summary>
    public List<SimulatedDeviceOptions> Simulated { get; } = [];

    /// <summary>Runs the CPU executes at once (each uses the intra-op threads of its model).</summary>
    public int CpuSlots { get; set; } = 1;

    /// <summary>Runs a GPU executes at once (time-slicing between models, as without MPS).</summary>
    public int GpuSlots { get; set; } = 1;

    /// <summary>
    /// Whether models that prefer <c>auto</c> may go to the CPU when no accelerator (GPU or
    /// simulated) has room even after consolidation. False keeps them off the CPU: such a load fails.
    /// </summary>
    public bool CpuFallback { get; set; } = true;

    public IEnumerable<string> Problems()
    {
        if (CpuSlots < 1 || GpuSlots < 1)
        {
            yield return $"{SectionName}:CpuSlots and GpuSlots must be at least 1";
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Simulated.Count; i++)
        {
            var device = Simulated[i];
            var where = $"{SectionName}:Simulated:{i}";
            if (device.MemoryMiB <= 0)
            {
                yield return $"{where}:MemoryMiB must be positive (was {device.MemoryMiB})";
            }

            if (device.Speed <= 0)
            {
                yield return $"{where}:Speed must be positive (was {device.Speed})";
            }

            if (device.Slots < 1)
            {
                yield return $"{where}:Slots must be at least 1 (was {device.Slots})";
            }

            var name = device.NameOr(i);
            if (name == Runtime.ExecutionDevice.Cpu || name.StartsWith("cuda:", StringComparison.Ordinal) || !names.Add(name))
            {
                yield return $"{where}:Name '{name}' is taken (cpu, cuda:N and other simulated devices)";
            }
        }
    }
}

/// <summary>One simulated device.</summary>
public sealed class SimulatedDeviceOptions
{
    /// <summary>Its name; empty: <c>sim:N</c> by position.</summary>
    public string Name { get; set; } = "";

    public long MemoryMiB { get; set; }

    /// <summary>Device time per wall time: 2 charges a run half its wall time (a device twice as fast).</summary>
    public double Speed { get; set; } = 1;

    public int Slots { get; set; } = 1;

    public string NameOr(int index) => string.IsNullOrWhiteSpace(Name) ? $"sim:{index}" : Name.Trim();
}
