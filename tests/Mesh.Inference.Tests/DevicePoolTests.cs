using Mesh.Inference.Devices;
using Mesh.Inference.Runtime;

namespace Mesh.Inference.Tests;

public sealed class DevicePoolTests
{
    private static DevicePool Pool(bool cpuUsable = true) => new(
        [
            new ComputeDevice("cpu", DeviceKinds.Cpu, 0, 64L << 30, cpuUsable),
            new ComputeDevice("cuda:0", DeviceKinds.Cuda, 0, 16L << 30, true),
            new ComputeDevice("sim:0", DeviceKinds.Simulated, 0, 8L << 30, true, speed: 2),
        ],
        TimeProvider.System);

    [Fact]
    public void Candidates_Auto_AcceleratorsBeforeTheCpu()
    {
        using var pool = Pool();

        var names = pool.Candidates(DevicePreference.Auto).Select(d => d.Name).ToList();

        Assert.Equal(["cuda:0", "sim:0", "cpu"], names);
        Assert.Equal(["cpu"], pool.Candidates(DevicePreference.Cpu).Select(d => d.Name));
        Assert.Equal(["cuda:0"], pool.Candidates(DevicePreference.Cuda).Select(d => d.Name));
    }

    [Fact]
    public void TryReserve_MoreThanIsFree_IsRefusedAndReservesNothing()
    {
        using var pool = Pool();
        var gpu = pool.Find("cuda:0")!;

        Assert.True(pool.TryReserve(gpu, "a", 10L << 30));
        Assert.False(pool.TryReserve(gpu, "b", 7L << 30));
        Assert.False(pool.TryReserve(gpu, "a", 1L << 30));

        Assert.Equal(10L << 30, gpu.ReservedBytes);
        Assert.Equal(["a"], gpu.Models);
    }

    [Fact]
    public void Settle_MeasuredUse_ReplacesTheReservationAndIsSummedPerDevice()
    {
        using var pool = Pool();
        var sim = pool.Find("sim:0")!;
        pool.TryReserve(sim, "a", 4L << 30);
        pool.TryReserve(sim, "b", 1L << 30);

        pool.Settle("sim:0", "a", 3L << 30, new MemoryUse(2L << 30, 512L << 20, 512L << 20));
        pool.Settle("sim:0", "b", 1L << 30, new MemoryUse(1L << 29, 0, 1L << 29));

        Assert.Equal(4L << 30, sim.ReservedBytes);
        Assert.Equal((2L << 30) + (1L << 29), sim.Measured.WeightsBytes);
        Assert.Equal((512L << 20) + (1L << 29), sim.Measured.KvBudgetBytes);
        Assert.Equal(sim.Measured.TotalBytes, pool.Measure(sim).UsedBytes);
    }

    [Fact]
    public void FragmentedBytes_FreeSmallerThanEveryWaitingModel_CountsAllOfItElseNone()
    {
        var device = new ComputeDevice("sim:0", DeviceKinds.Simulated, 0, 10, true);
        device.TryReserve("a", 7);

        Assert.Equal(3, DevicePool.FragmentedBytes(device, [4, 5]));
        Assert.Equal(0, DevicePool.FragmentedBytes(device, [3, 9]));
        Assert.Equal(0, DevicePool.FragmentedBytes(device, []));
    }

    [Fact]
    public void Fragmentation_FreeSplitSoNoWaitingModelFits_IsTheShareOfFreeMemoryWasted()
    {
        using var pool = new DevicePool(
            [new ComputeDevice("sim:0", DeviceKinds.Simulated, 0, 10, true), new ComputeDevice("sim:1", DeviceKinds.Simulated, 1, 10, true)], TimeProvider.System);
        pool.TryReserve(pool.Find("sim:0")!, "a", 4);
        pool.TryReserve(pool.Find("sim:1")!, "b", 8);

        // 6 free on sim:0 holds a 5; the 2 free on sim:1 hold nothing of 5: 2 of 8 free bytes are wasted.
        Assert.Equal(0.25, pool.Fragmentation([5]), 6);
        Assert.Equal(1.0, pool.Fragmentation([7]), 6);

        pool.Release("a");
        pool.Release("b");
        Assert.Equal(0, pool.Fragmentation([7]), 6);
    }
}
