using Mesh.Inference.Runtime;

namespace Mesh.Inference.Models;

/// <summary>Where models live, where they run and how much one request may ask (<c>Mesh:Inference</c>).</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Mesh:Inference";

    /// <summary>The model repository: one folder per model. A relative path is taken from the binaries' folder.</summary>
    public string ModelRoot { get; set; } = "models";

    /// <summary><c>auto</c> (CUDA when the GPU build finds it, else CPU), <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>The CUDA device models run on when the device is CUDA.</summary>
    public int CudaDeviceId { get; set; }

    /// <summary>Threads one model run may use on the CPU; 0 sizes it to the machine.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's CPU threads spin between runs instead of sleeping. Spinning takes a
    /// lone call on MiniLM from about 2.1 to 1.3 ms here, but keeps cores busy between runs and
    /// takes them from everything else: under concurrent load on a small machine, batched
    /// throughput drops by a fifth and varies twice as much. For a model server with cores to spare.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>Memory models may reserve on the CPU; 0: half of the machine's.</summary>
    public long CpuMemoryBytes { get; set; }

    /// <summary>Share of each GPU's memory models may reserve (the rest is left to activations and other processes).</summary>
    public double GpuMemoryFraction { get; set; } = 0.9;

    /// <summary>GPU memory assumed when CUDA is demanded but NVML cannot say.</summary>
    public long GpuMemoryBytes { get; set; } = 16L << 30;

    /// <summary>Longest prompt, in characters.</summary>
    public int MaxPromptCharacters { get; set; } = 32768;

    /// <summary>Most inputs one Embed request may carry.</summary>
    public int MaxInputs { get; set; } = 64;

    /// <summary>Longest input text, in characters.</summary>
    public int MaxInputCharacters { get; set; } = 8192;

    /// <summary>The model repository as an absolute path.</summary>
    public string ResolvedModelRoot => Path.GetFullPath(ModelRoot, AppContext.BaseDirectory);

    /// <summary>The CPU threads a run uses once <see cref="IntraOpThreads"/> is resolved.</summary>
    public int ResolvedIntraOpThreads => IntraOpThreads > 0 ? IntraOpThreads : Environment.ProcessorCount;

    /// <summary>Every problem with the settings, empty when they are valid.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ModelRoot))
        {
            yield return $"{SectionName}:ModelRoot must name the model repository folder";
        }

        if (!ExecutionDevice.TryParsePreference(Device, out _))
        {
            yield return $"{SectionName}:Device must be auto, cpu or cuda (was '{Device}')";
        }

        if (CudaDeviceId < 0)
        {
            yield return $"{SectionName}:CudaDeviceId must not be negative";
        }

        if (IntraOpThreads < 0)
        {
            yield return $"{SectionName}:IntraOpThreads must be 0 (size to the machine) or positive";
        }

        if (GpuMemoryFraction is <= 0 or > 1)
        {
            yield return $"{SectionName}:GpuMemoryFraction must be in (0, 1]";
        }

        if (CpuMemoryBytes < 0 || GpuMemoryBytes < 0)
        {
            yield return $"{SectionName}:CpuMemoryBytes and GpuMemoryBytes must not be negative";
        }

        if (MaxPromptCharacters < 1)
        {
            yield return $"{SectionName}:MaxPromptCharacters must be at least 1";
        }

        if (MaxInputs < 1)
        {
            yield return $"{SectionName}:MaxInputs must be at least 1";
        }

        if (MaxInputCharacters < 1)
        {
            yield return $"{SectionName}:MaxInputCharacters must be at least 1";
        }
    }
}
