using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Mesh.Inference.Runtime;

/// <summary>An ONNX Runtime session, the device it runs on and the memory reserved for it there.</summary>
public sealed record LoadedSession(InferenceSession Session, string Device, long ReservedBytes);

/// <summary>
/// Places a model on a device of the <see cref="DevicePool"/> and opens its ONNX Runtime session
/// there: CUDA when the GPU build is in use and a device answers, otherwise the CPU, saying
/// which one it got.
/// </summary>
public sealed partial class OnnxSessionFactory(IOptions<InferenceOptions> options, DevicePool devices, ILogger<OnnxSessionFactory> logger)
{
    /// <summary>Weights plus ONNX Runtime's own copies and arena: what a model is assumed to need.</summary>
    public const int MemoryFactor = 2;

    public LoadedSession Create(ModelDescriptor descriptor, byte[] model)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(model);
        var settings = options.Value;
        var preference = EffectivePreference(descriptor, settings);
        if (preference == DevicePreference.Cuda && !devices.Devices.Any(d => d.Kind == "cuda" && d.Usable))
        {
            throw new InvalidOperationException(
                $"model '{descriptor.Name}' must run on CUDA but this server has no usable CUDA device (GPU build: -p:MeshGpu=true; device settings: {InferenceOptions.SectionName}:Device)");
        }

        var bytes = (long)model.Length * MemoryFactor;
        var device = devices.Reserve(descriptor.Name, bytes, preference)
            ?? throw new InvalidOperationException($"no device has {bytes >> 20} MiB free for model '{descriptor.Name}' (see ListDevices)");
        try
        {
            var threads = Math.Max(1, settings.ResolvedIntraOpThreads / Math.Max(1, descriptor.Instances));
            if (device.Kind == "cuda")
            {
                try
                {
                    using var cudaOptions = CreateOptions(threads, settings.AllowSpinning);
                    cudaOptions.AppendExecutionProvider_CUDA(device.Index);
                    return new LoadedSession(new InferenceSession(model, cudaOptions), device.Name, bytes);
                }
                catch (OnnxRuntimeException ex) when (preference == DevicePreference.Auto)
                {
                    LogCudaFallback(logger, descriptor.Name, ex.Message);
                    device = devices.MoveToCpu(descriptor.Name, bytes);
                }
            }

            using var cpuOptions = CreateOptions(threads, settings.AllowSpinning);
            return new LoadedSession(new InferenceSession(model, cpuOptions), ExecutionDevice.Cpu, bytes);
        }
        catch (OnnxRuntimeException ex)
        {
            devices.Release(descriptor.Name);
            throw new InvalidDataException($"model '{descriptor.Name}' is not a loadable ONNX model: {ex.Message}", ex);
        }
        catch
        {
            devices.Release(descriptor.Name);
            throw;
        }
    }

    /// <summary>The server's device setting narrows the model's preference (a server set to cpu never uses CUDA).</summary>
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
