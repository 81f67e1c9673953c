using Mesh.Inference.Models;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Mesh.Inference.Runtime;

/// <summary>An ONNX Runtime session and the device it runs on.</summary>
public sealed record LoadedSession(InferenceSession Session, string Device);

/// <summary>
/// Creates ONNX Runtime sessions on CUDA when the GPU build is in use and a device answers,
/// otherwise on the CPU, and says which one it got.
/// </summary>
public sealed partial class OnnxSessionFactory(IOptions<InferenceOptions> options, ILogger<OnnxSessionFactory> logger)
{
    private const string CudaProvider = "CUDAExecutionProvider";

    public LoadedSession Create(string modelName, byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var settings = options.Value;
        // Options validation already rejected an unknown device name at startup.
        if (!ExecutionDevice.TryParsePreference(settings.Device, out var preference) || preference != DevicePreference.Cpu)
        {
            // Only the GPU build lists CUDA; it lists it even where no CUDA libraries exist, so
            // appending the provider is the real test, and ONNX Runtime does not fall back itself.
            if (OrtEnv.Instance().GetAvailableProviders().Contains(CudaProvider))
            {
                try
                {
                    return CreateOnCuda(model, settings);
                }
                catch (OnnxRuntimeException ex) when (preference == DevicePreference.Auto)
                {
                    LogCudaFallback(logger, modelName, ex.Message);
                }
            }
            else if (preference == DevicePreference.Cuda)
            {
                throw new InvalidOperationException(
                    $"{InferenceOptions.SectionName}:Device is cuda but this build has the CPU ONNX Runtime; build with -p:MeshGpu=true or set the device to auto or cpu");
            }
        }

        using var cpuOptions = CreateOptions(settings);
        return new LoadedSession(new InferenceSession(model, cpuOptions), ExecutionDevice.Cpu);
    }

    private static LoadedSession CreateOnCuda(byte[] model, InferenceOptions settings)
    {
        using var cudaOptions = CreateOptions(settings);
        cudaOptions.AppendExecutionProvider_CUDA(settings.CudaDeviceId);
        return new LoadedSession(new InferenceSession(model, cudaOptions), ExecutionDevice.Cuda(settings.CudaDeviceId));
    }

    private static SessionOptions CreateOptions(InferenceOptions settings) => new()
    {
        // Fuse attention, layer norm and GELU and fold constants once, at load, for every later run.
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        // A transformer is one chain of operators: parallelism comes from inside each operator.
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        InterOpNumThreads = 1,
        // Runs of one model are serialised, so one run may use every core without oversubscribing.
        IntraOpNumThreads = settings.ResolvedIntraOpThreads,
        // Plan the buffers of an input shape once and reuse the plan whenever that shape recurs.
        EnableMemoryPattern = true,
        // Keep freed CPU buffers in ONNX Runtime's arena instead of returning them to the OS each run.
        EnableCpuMemArena = true,
    };

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "CUDA is not usable for model {Model}, running it on the CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string model, string reason);
}
