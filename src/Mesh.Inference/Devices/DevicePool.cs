using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Devices;

/// <summary>
/// The devices of this machine (the CPU and each CUDA device NVML reports) and the memory
/// models reserve on them. A model goes to the device its preference allows where it fits
/// most tightly (best fit), which keeps large free blocks whole for large models: the
/// placement that limits fragmentation, measured as 1 - largest free block / total free.
/// </summary>
public sealed class DevicePool : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Nvml? _nvml;
    private readonly CpuUsage _cpu;

    public DevicePool(IOptions<InferenceOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _cpu = new CpuUsage(time);
        var cpuBytes = settings.CpuMemoryBytes > 0 ? settings.CpuMemoryBytes : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
        List<ComputeDevice> devices = [new(ExecutionDevice.Cpu, "cpu", 0, cpuBytes, usable: true)];
        var cudaBuild = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        _nvml = settings.Device.Equals("cpu", StringComparison.OrdinalIgnoreCase) ? null : Nvml.TryOpen();
        var gpus = _nvml?.DeviceCount() ?? 0;
        for (var i = 0; i < gpus; i++)
        {
            var total = _nvml!.Read(i)?.Total ?? 0;
            devices.Add(new ComputeDevice(ExecutionDevice.Cuda(i), "cuda", i, (long)(total * settings.GpuMemoryFraction), cudaBuild));
        }

        if (gpus == 0 && cudaBuild && settings.Device.Equals("cuda", StringComparison.OrdinalIgnoreCase))
        {
            // CUDA demanded where NVML does not answer: trust the configuration.
            devices.Add(new ComputeDevice(ExecutionDevice.Cuda(settings.CudaDeviceId), "cuda", settings.CudaDeviceId, settings.GpuMemoryBytes, usable: true));
        }

        Devices = devices;
    }

    /// <summary>A pool of given devices (tests, tools): no NVML.</summary>
    internal DevicePool(IReadOnlyList<ComputeDevice> devices, TimeProvider time)
    {
        Devices = devices;
        _cpu = new CpuUsage(time);
    }

    public IReadOnlyList<ComputeDevice> Devices { get; }

    /// <summary>
    /// Reserves <paramref name="bytes"/> for <paramref name="model"/> on the tightest-fitting usable
    /// device its preference allows (GPUs before the CPU for <c>auto</c>); null when none has room.
    /// </summary>
    public ComputeDevice? Reserve(string model, long bytes, DevicePreference preference)
    {
        lock (_lock)
        {
            var candidates = Devices.Where(d => d.Usable && d.FreeBytes >= bytes && preference switch
            {
                DevicePreference.Cpu => d.Kind == "cpu",
                DevicePreference.Cuda => d.Kind == "cuda",
                _ => true,
            });
            var chosen = candidates
                .OrderBy(d => d.Kind == "cpu" ? 1 : 0)
                .ThenBy(d => d.FreeBytes - bytes)
                .FirstOrDefault();
            chosen?.Reserve(model, bytes);
            return chosen;
        }
    }

    /// <summary>Moves a reservation (a CUDA load that fell back to the CPU).</summary>
    public ComputeDevice MoveToCpu(string model, long bytes)
    {
        lock (_lock)
        {
            foreach (var device in Devices)
            {
                device.Release(model);
            }

            var cpu = Devices[0];
            cpu.Reserve(model, bytes);
            return cpu;
        }
    }

    /// <summary>Adds to a model's reservation on the device it was placed on (a decoder's key-value cache budget).</summary>
    public void ReserveMore(string deviceName, string model, long bytes)
    {
        lock (_lock)
        {
            Find(deviceName)?.Reserve(model, bytes);
        }
    }

    public void Release(string model)
    {
        lock (_lock)
        {
            foreach (var device in Devices)
            {
                device.Release(model);
            }
        }
    }

    /// <summary>1 - largest free block / total free memory over the usable devices (0: none wasted).</summary>
    public double Fragmentation()
    {
        lock (_lock)
        {
            var free = Devices.Where(d => d.Usable).Select(d => d.FreeBytes).ToList();
            var total = free.Sum();
            return total <= 0 ? 0 : 1 - ((double)free.Max() / total);
        }
    }

    /// <summary>Measured memory in use and utilization (NVML for GPUs; this process for the CPU).</summary>
    public (long UsedBytes, double Utilization) Measure(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Kind == "cuda" && _nvml?.Read(device.Index) is { } reading)
        {
            return (reading.Used, reading.Utilization);
        }

        return device.Kind == "cpu" ? (CpuUsage.WorkingSet(), _cpu.Read()) : (0, 0);
    }

    public ComputeDevice? Find(string name) => Devices.FirstOrDefault(d => d.Name == name);

    public void Dispose() => _nvml?.Dispose();
}
