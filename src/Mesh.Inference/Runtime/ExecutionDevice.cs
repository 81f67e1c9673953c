namespace Mesh.Inference.Runtime;

/// <summary>Which execution provider the configuration asks for.</summary>
public enum DevicePreference
{
    /// <summary>CUDA when the GPU build of ONNX Runtime finds a usable device, otherwise the CPU.</summary>
    Auto,

    /// <summary>Always the CPU.</summary>
    Cpu,

    /// <summary>CUDA or fail: a model that cannot load on the GPU does not load.</summary>
    Cuda,
}

/// <summary>Names of the devices models run on, as reported to callers and usage events.</summary>
public static class ExecutionDevice
{
    public const string Cpu = "cpu";

    public static string Cuda(int deviceId) => $"cuda:{deviceId}";

    public static bool TryParsePreference(string? value, out DevicePreference preference)
    {
        preference = DevicePreference.Auto;
        return string.IsNullOrWhiteSpace(value) || Enum.TryParse(value.Trim(), ignoreCase: true, out preference);
    }
}
