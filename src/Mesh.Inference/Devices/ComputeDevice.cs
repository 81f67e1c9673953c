using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Devices;

/// <summary>The kinds of device models run on.</summary>
public static class DeviceKinds
{
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    /// <summary>A device of configured memory and speed whose runs execute on the CPU (tests, capacity planning).</summary>
    public const string Simulated = "simulated";
}

/// <summary>
/// One device models can be placed on: the memory the pool lets models reserve on it, what each
/// model replica reserved and measured there, its speed and its scheduler (which shares its
/// compute time between tenants and counts it).
/// </summary>
public sealed class ComputeDevice(string name, string kind, int index, long capacityBytes, bool usable, double speed = 1, int slots = 1)
{
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DeviceScheduler? _scheduler;

    /// <summary><c>cpu</c>, <c>cuda:N</c> or a simulated device's name.</summary>
    public string Name { get; } = name;

    /// <summary><see cref="DeviceKinds"/>.</summary>
    public string Kind { get; } = kind;

    public int Index { get; } = index;

    public long CapacityBytes { get; } = capacityBytes;

    /// <summary>False for a GPU this build of ONNX Runtime cannot run on (it is still reported).</summary>
    public bool Usable { get; } = usable;

    /// <summary>Relative speed: 1 for real devices, as configured for simulated ones.</summary>
    public double Speed { get; } = speed;

    /// <summary>Runs it executes at once.</summary>
    public int Slots { get; } = slots;

    /// <summary>A GPU or a simulated device: where <c>auto</c> models go before the CPU.</summary>
    public bool IsAccelerator => Kind != DeviceKinds.Cpu;

    /// <summary>Sessions of models on it run on CUDA (else on the CPU provider).</summary>
    public bool RunsOnCuda => Kind == DeviceKinds.Cuda;

    public DeviceScheduler Scheduler => _scheduler ?? throw new InvalidOperationException($"device {Name} has no scheduler (not in a pool)");

    public long ReservedBytes
    {
        get
        {
            lock (_lock)
            {
                return _reservations.Values.Sum(r => r.Bytes);
            }
        }
    }

    public long FreeBytes => Math.Max(0, CapacityBytes - ReservedBytes);

    /// <summary>The models with a replica here.</summary>
    public IReadOnlyCollection<string> Models
    {
        get
        {
            lock (_lock)
            {
                return [.. _reservations.Keys];
            }
        }
    }

    /// <summary>What each model reserved here and measured (null while loading).</summary>
    public IReadOnlyList<(string Model, long Bytes, MemoryUse? Measured)> Reservations
    {
        get
        {
            lock (_lock)
            {
                return [.. _reservations.Select(r => (r.Key, r.Value.Bytes, r.Value.Measured))];
            }
        }
    }

    /// <summary>The sum of what the models here measured.</summary>
    public MemoryUse Measured
    {
        get
        {
            lock (_lock)
            {
                var measured = _reservations.Values.Select(r => r.Measured).OfType<MemoryUse>().ToList();
                return new MemoryUse(measured.Sum(m => m.WeightsBytes), measured.Sum(m => m.WorkspaceBytes), measured.Sum(m => m.KvBudgetBytes));
            }
        }
    }

    public bool Holds(string model)
    {
        lock (_lock)
        {
            return _reservations.ContainsKey(model);
        }
    }

    internal void Attach(DeviceScheduler scheduler) => _scheduler = scheduler;

    /// <summary>Reserves <paramref name="bytes"/> for a replica of <paramref name="model"/> if they fit; false otherwise.</summary>
    internal bool TryReserve(string model, long bytes)
    {
        lock (_lock)
        {
            if (_reservations.ContainsKey(model) || CapacityBytes - _reservations.Values.Sum(r => r.Bytes) < bytes)
            {
                return false;
            }

            _reservations[model] = new Reservation(bytes, null);
            return true;
        }
    }

    /// <summary>Replaces a replica's reservation with what it measured after loading.</summary>
    internal void Settle(string model, long bytes, MemoryUse measured)
    {
        lock (_lock)
        {
            _reservations[model] = new Reservation(bytes, measured);
        }
    }

    internal bool Release(string model)
    {
        lock (_lock)
        {
            return _reservations.Remove(model);
        }
    }

    private sealed record Reservation(long Bytes, MemoryUse? Measured);
}
