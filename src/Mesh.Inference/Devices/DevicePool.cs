using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Devices;

/// <summary>
/// The devices models can be placed on: the CPU, each CUDA device NVML reports, and the
/// simulated devices the configuration names. Each has its memory reservations (what each model
/// replica measured after loading) and its <see cref="DeviceScheduler"/>. Where a model goes is
/// <see cref="Placement.PlacementPlanner"/>'s decision; the pool holds the outcome.
/// </summary>
public sealed class DevicePool : IDisposable
{
    private readonly Nvml? _nvml;
    private readonly CpuUsage _cpu;

    public DevicePool(IOptions<InferenceOptions> options, IOptions<DeviceOptions> deviceOptions, IOptions<SchedulingOptions> scheduling, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(deviceOptions);
        ArgumentNullException.ThrowIfNull(scheduling);
        var settings = options.Value;
        var devices = deviceOptions.Value;
        _cpu = new CpuUsage(time);
        var cpuBytes = settings.CpuMemoryBytes > 0 ? settings.CpuMemoryBytes : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        List<ComputeDevice> list = [new(ExecutionDevice.Cpu, DeviceKinds.Cpu, 0, cpuBytes, usable: true, slots: devices.CpuSlots)];
        var cudaBuild = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        _nvml = settings.Device.Equals("cpu", StringComparison.OrdinalIgnoreCase) ? null : Nvml.TryOpen();
        var gpus = _nvml?.DeviceCount() ?? 0;
        for (var i = 0; i < gpus; i++)
        {
            var total = _nvml!.Read(i)?.Total ?? 0;
            list.Add(new ComputeDevice(ExecutionDevice.Cuda(i), DeviceKinds.Cuda, i, (long)(total * settings.GpuMemoryFraction), cudaBuild, slots: devices.GpuSlots));
        }

        if (gpus == 0 && cudaBuild && settings.Device.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            // CUDA demanded where NVML does not answer: trust the configuration.
            list.Add(new ComputeDevice(ExecutionDevice.Cuda(settings.CudaDeviceId), DeviceKinds.Cuda, settings.CudaDeviceId, settings.GpuMemoryBytes, usable: true, slots: devices.GpuSlots));
        }

        for (var i = 0; i < devices.Simulated.Count; i++)
        {
            var simulated = devices.Simulated[i];
            list.Add(new ComputeDevice(simulated.NameOr(i), DeviceKinds.Simulated, i, simulated.MemoryMiB << 20, usable: true, simulated.Speed, simulated.Slots));
        }

        CpuFallback = devices.CpuFallback;
        Devices = Attach(list, scheduling.Value, time);
    }

    /// <summary>A pool of given devices (tests, tools): no NVML.</summary>
    internal DevicePool(IReadOnlyList<ComputeDevice> devices, TimeProvider time, SchedulingOptions? scheduling = null)
    {
        _cpu = new CpuUsage(time);
        Devices = Attach(devices, scheduling ?? new SchedulingOptions(), time);
    }

    public IReadOnlyList<ComputeDevice> Devices { get; }

    /// <summary>Whether <c>auto</c> models may fall back to the CPU.</summary>
    public bool CpuFallback { get; } = true;

    public ComputeDevice? Find(string name) => Devices.FirstOrDefault(d => d.Name == name);

    /// <summary>The usable devices a model of <paramref name="preference"/> may run on, accelerators first.</summary>
    public IReadOnlyList<ComputeDevice> Candidates(DevicePreference preference) =>
        [.. Devices.Where(d => d.Usable && preference switch
        {
            DevicePreference.Cpu => d.Kind == DeviceKinds.Cpu,
            DevicePreference.Cuda => d.Kind == DeviceKinds.Cuda,
            _ => d.IsAccelerator || CpuFallback,
        }).OrderBy(d => d.IsAccelerator ? 0 : 1)];

    /// <summary>Reserves <paramref name="bytes"/> on <paramref name="device"/> for a replica of <paramref name="model"/>; false when they do not fit.</summary>
    public bool TryReserve(ComputeDevice device, string model, long bytes)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.TryReserve(model, bytes);
    }

    /// <summary>Records what a loaded replica measured: its reservation becomes <paramref name="bytes"/>.</summary>
    public void Settle(string device, string model, long bytes, MemoryUse measured) => Find(device)?.Settle(model, bytes, measured);

    /// <summary>Frees the replica of <paramref name="model"/> on <paramref name="device"/>.</summary>
    public void Release(string device, string model) => Find(device)?.Release(model);

    /// <summary>Frees every replica of <paramref name="model"/>.</summary>
    public void Release(string model)
    {
        foreach (var device in Devices)
        {
            device.Release(model);
        }
    }

    /// <summary>
    /// Free memory on <paramref name="device"/> that none of <paramref name="waiting"/> (the sizes of
    /// models that could be asked for) fits in: all of it when even the smallest is larger, else none.
    /// </summary>
    public static long FragmentedBytes(ComputeDevice device, IReadOnlyCollection<long> waiting)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(waiting);
        var free = device.FreeBytes;
        return waiting.Count == 0 || free == 0 || free >= waiting.Min() ? 0 : free;
    }

    /// <summary>Fragmented free memory over all free memory of the usable devices (0..1; 0 when nothing is free).</summary>
    public double Fragmentation(IReadOnlyCollection<long> waiting)
    {
        var usable = Devices.Where(d => d.Usable).ToList();
        var free = usable.Sum(d => d.FreeBytes);
        return free <= 0 ? 0 : (double)usable.Sum(d => FragmentedBytes(d, waiting)) / free;
    }

    /// <summary>
    /// Measured memory in use and utilization: NVML for GPUs; this process's resident memory and
    /// CPU use for the CPU; for a simulated device, what its models measured and how busy its scheduler kept it.
    /// </summary>
    public (long UsedBytes, double Utilization) Measure(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.Kind switch
        {
            DeviceKinds.Cuda when _nvml?.Read(device.Index) is { } reading => (reading.Used, reading.Utilization),
            DeviceKinds.Cpu => (CpuUsage.WorkingSet(), _cpu.Read()),
            DeviceKinds.Simulated => (device.Measured.TotalBytes, device.Scheduler.Ledger.Busy(device.Slots)),
            _ => (0, 0),
        };
    }

    /// <summary>
    /// Memory in use on the device as a load measures it, before and after each stage: NVML's used
    /// memory on a GPU, this process's resident memory otherwise (a simulated device's runs are on the CPU).
    /// </summary>
    public long Probe(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.RunsOnCuda && _nvml?.Read(device.Index) is { } reading ? reading.Used : CpuUsage.WorkingSet();
    }

    public void Dispose() => _nvml?.Dispose();

    private static IReadOnlyList<ComputeDevice> Attach(IReadOnlyList<ComputeDevice> devices, SchedulingOptions scheduling, TimeProvider time)
    {
        foreach (var device in devices)
        {
            var ledger = new TenantLedger(scheduling.WeightOf, scheduling.UsageHalfLife, time);
            device.Attach(new DeviceScheduler(device.Name, device.Slots, device.Speed, ledger, time));
        }

        return devices;
    }
}
