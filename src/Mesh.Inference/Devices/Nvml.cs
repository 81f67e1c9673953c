using System.Runtime.InteropServices;

namespace Mesh.Inference.Devices;

/// <summary>
/// NVIDIA's management library (libnvidia-ml.so.1, installed with the driver), read through
/// function pointers resolved at run time: on a machine without it, <see cref="TryOpen"/>
/// returns null and nothing else is touched.
/// </summary>
public sealed unsafe class Nvml : IDisposable
{
    private const string LibraryName = "libnvidia-ml.so.1";

    private readonly nint _library;
    private readonly delegate* unmanaged<uint*, int> _getCount;
    private readonly delegate* unmanaged<uint, nint*, int> _getHandle;
    private readonly delegate* unmanaged<nint, MemoryInfo*, int> _getMemory;
    private readonly delegate* unmanaged<nint, Utilization*, int> _getUtilization;
    private readonly delegate* unmanaged<int> _shutdown;

    private Nvml(nint library)
    {
        _library = library;
        _getCount = (delegate* unmanaged<uint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetCount_v2");
        _getHandle = (delegate* unmanaged<uint, nint*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetHandleByIndex_v2");
        _getMemory = (delegate* unmanaged<nint, MemoryInfo*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetMemoryInfo");
        _getUtilization = (delegate* unmanaged<nint, Utilization*, int>)NativeLibrary.GetExport(library, "nvmlDeviceGetUtilizationRates");
        _shutdown = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlShutdown");
    }

    /// <summary>NVML, initialised, or null where the library is absent or does not start.</summary>
    public static Nvml? TryOpen()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad(LibraryName, out var library))
        {
            return null;
        }

        try
        {
            var init = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "nvmlInit_v2");
            if (init() != 0)
            {
                NativeLibrary.Free(library);
                return null;
            }

            return new Nvml(library);
        }
        catch (EntryPointNotFoundException)
        {
            NativeLibrary.Free(library);
            return null;
        }
    }

    public int DeviceCount()
    {
        uint count;
        return _getCount(&count) == 0 ? (int)count : 0;
    }

    /// <summary>Total and used memory in bytes and GPU utilization 0..1, or null when the query fails.</summary>
    public (long Total, long Used, double Utilization)? Read(int index)
    {
        nint handle;
        MemoryInfo memory;
        Utilization utilization;
        if (_getHandle((uint)index, &handle) != 0 || _getMemory(handle, &memory) != 0)
        {
            return null;
        }

        var busy = _getUtilization(handle, &utilization) == 0 ? utilization.Gpu / 100.0 : 0;
        return ((long)memory.Total, (long)memory.Used, busy);
    }

    public void Dispose()
    {
        _ = _shutdown();
        NativeLibrary.Free(_library);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryInfo
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Utilization
    {
        public uint Gpu;
        public uint Memory;
    }
}
