using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Mesh.Inference.Runtime;

/// <summary>
/// An ONNX Runtime session, the device it runs on, and the memory it measured there: the device's
/// use grew by <see cref="WeightsBytes"/> while the session was created (weights and ONNX Runtime's
/// copies of them); <see cref="Measure"/> adds what later warm-up runs grew (the workspace).
/// </summary>
public sealed record LoadedSession(InferenceSession Session, ComputeDevice Placed, long WeightsBytes, long ProbedAfterSession, DevicePool Pool)
{
    /// <summary>Where runs execute: <c>cpu</c>, <c>cuda:N</c> or a simulated device's name.</summary>
    public string Device => Placed.Name;

    /// <summary>What the model holds after its warm-up, with <paramref name="kvBudgetBytes"/> of key-value pool.</summary>
    public MemoryUse Measure(long kvBudgetBytes) =>
        new(WeightsBytes, Math.Max(0, Pool.Probe(Placed) - ProbedAfterSession), kvBudgetBytes);
}

/// <summary>
/// Opens a model's ONNX Runtime session on the device placement chose: CUDA for a GPU (falling back
/// to the CPU for <c>auto</c> models when CUDA does not start), the CPU provider for the CPU and
/// for simulated devices. It measures the device's memory before and after (<see cref="LoadedSession"/>).
/// </summary>
public sealed partial class OnnxSessionFactory(IOptions<InferenceOptions> options, DevicePool devices, ILogger<OnnxSessionFactory> logger)
{
    /// <summary>Weights plus ONNX Runtime's own copies and arena: what a model never measured is assumed to need per byte of its file.</summary>
    public const int MemoryFactor = 2;

    /// <summary>Opens the session of <paramref name="descriptor"/> on <paramref name="device"/>, where <paramref name="reservedBytes"/> are reserved for it.</summary>
    public LoadedSession Create(ModelDescriptor descriptor, byte[] model, ComputeDevice device, long reservedBytes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        var settings = options.Value;
        var threads = Math.Max(1, settings.ResolvedIntraOpThreads / Math.Max(1, descriptor.Instances));
        try
        {
            if (device.RunsOnCuda)
            {
                try
                {
                    var before = devices.Probe(device);
                    using var cudaOptions = CreateOptions(threads, settings.AllowSpinning);
                    cudaOptions.AppendExecutionProvider_CUDA(device.Index);
                    var session = new InferenceSession(model, cudaOptions);
                    var after = devices.Probe(device);
                    return new LoadedSession(session, device, Math.Max(0, after - before), after, devices);
                }
                catch (OnnxRuntimeException ex) when (EffectivePreference(descriptor, settings) == DevicePreference.Auto)
                {
                    LogCudaFallback(logger, descriptor.Name, ex.Message);
                    devices.Release(device.Name, descriptor.Name);
                    device = devices.Find(ExecutionDevice.Cpu)!;
                    if (!devices.TryReserve(device, descriptor.Name, reservedBytes))
                    {
                        throw new InvalidOperationException($"CUDA did not start for model '{descriptor.Name}' and the CPU has no {reservedBytes >> 20} MiB free for it either (see ListDevices)", ex);
                    }
                }
            }

            var start = devices.Probe(device);
            using var cpuOptions = CreateOptions(threads, settings.AllowSpinning);
            var cpuSession = new InferenceSession(model, cpuOptions);
            var loaded = devices.Probe(device);
            return new LoadedSession(cpuSession, device, Math.Max(0, loaded - start), loaded, devices);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"model '{descriptor.Name}' is not a loadable ONNX model: {ex.Message}", ex);
        }
    }

    /// <summary>The preference a model is placed by: the server's device setting narrows the model's (a server set to cpu never uses CUDA).</summary>
    public DevicePreference PreferenceOf(ModelDescriptor descriptor) => EffectivePreference(descriptor, options.Value);

    private static DevicePreference EffectivePreference(ModelDescriptor descriptor, InferenceOptions settings)
    {
        var server = ExecutionDevice.TryParsePreference(settings.Device, out var s) ? s : DevicePreference.Auto;
        var model = ExecutionDevice.TryParsePreference(descriptor.PreferredDevice, out var m) ? m : DevicePreference.Auto;
        return server == DevicePreference.Auto ? model : server;
    }

    private static SessionOptions CreateOptions(int threads, bool allowSpinning)
    {
        var options = new SessionOptions
        {
            // Fuse attention, layer norm and GELU and fold constants once, at load, for every later run.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // A transformer is one chain of operators: parallelism comes from inside each operator.
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
            // Each instance of a model runs one batch at a time, so its runs share the cores between instances.
            IntraOpNumThreads = threads,
            // Plan the buffers of an input shape once and reuse the plan whenever that shape recurs.
            EnableMemoryPattern = true,
            // Keep freed CPU buffers in ONNX Runtime's arena instead of returning them to the OS each run.
            EnableCpuMemArena = true,
        };
        // Spinning threads answer the next run sooner but burn the cores other work needs (InferenceOptions.AllowSpinning).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        return options;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "CUDA is not usable for model {Model}, running it on the CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string model, string reason);
}
