using Mesh.Inference.Devices;
using Mesh.Inference.Runtime;

namespace Mesh.Inference.Tests;

public sealed class DevicePoolTests
{
    private static DevicePool Pool() => new(
        [new ComputeDevice("cpu", "cpu", 0, 64L << 30, true), new ComputeDevice("cuda:0", "cuda", 0, 16L << 30, true), new ComputeDevice("cuda:1", "cuda", 1, 16L << 30, true)],
        TimeProvider.System);

    [Fact]
    public void Reserve_SecondModelFitsBesideFirst_PacksTheSameGpuKeepingTheOtherWhole()
    {
        using var pool = Pool();

        var first = pool.Reserve("a", 6L << 30, DevicePreference.Auto);
        var second = pool.Reserve("b", 6L << 30, DevicePreference.Auto);
        var large = pool.Reserve("c", 14L << 30, DevicePreference.Auto);

        Assert.Equal("cuda:0", first!.Name);
        Assert.Equal("cuda:0", second!.Name);
        Assert.Equal("cuda:1", large!.Name);
    }

    [Fact]
    public void Reserve_NoGpuHasRoom_FallsBackToCpuForAutoAndFailsForCuda()
    {
        using var pool = Pool();

        Assert.Equal("cpu", pool.Reserve("big", 20L << 30, DevicePreference.Auto)!.Name);
        Assert.Null(pool.Reserve("big-gpu", 20L << 30, DevicePreference.Cuda));
    }

    [Fact]
    public void Fragmentation_FreeMemorySplitAcrossDevices_IsOneMinusLargestOverTotal()
    {
        using var pool = new DevicePool([new ComputeDevice("cuda:0", "cuda", 0, 10, true), new ComputeDevice("cuda:1", "cuda", 1, 10, true)], TimeProvider.System);
        Assert.Equal(0.5, pool.Fragmentation(), 6);

        pool.Reserve("a", 10, DevicePreference.Cuda);

        Assert.Equal(0, pool.Fragmentation(), 6);
        pool.Release("a");
        Assert.Equal(0.5, pool.Fragmentation(), 6);
    }
}
