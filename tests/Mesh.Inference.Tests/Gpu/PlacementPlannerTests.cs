using Mesh.Inference.Placement;

namespace Mesh.Inference.Tests.Gpu;

/// <summary>The placement planner on simulated devices of 10 units each (sizes in GiB).</summary>
public sealed class PlacementPlannerTests
{
    private const long GiB = 1L << 30;

    private static PlacementSimulator Devices(bool consolidate, int count = 2) =>
        new([.. Enumerable.Range(0, count).Select(i => ($"sim:{i}", 10 * GiB))], consolidate);

    [Fact]
    public void Plan_SecondModelFitsBesideFirst_PacksTheSameDeviceKeepingTheOtherWhole()
    {
        var devices = Devices(consolidate: false);

        Assert.Equal("sim:0", devices.Load("a", 4 * GiB));
        Assert.Equal("sim:0", devices.Load("b", 4 * GiB));
        Assert.Equal("sim:1", devices.Load("c", 9 * GiB));
    }

    [Fact]
    public void Plan_ChurnFragmentsFreeMemory_NaiveBestFitRefusesWhatFitsInTotal()
    {
        var devices = Devices(consolidate: false);
        devices.Load("a", 4 * GiB);
        devices.Load("b", 4 * GiB);
        devices.Load("c", 5 * GiB);
        devices.Unload("a");

        // 6 free on sim:0 and 5 on sim:1: 11 in all, but no device has 7.
        Assert.Null(devices.Load("d", 7 * GiB));
        Assert.Equal(4, devices.Placeable);
        Assert.Equal(3, devices.PlacedOfPlaceable);
    }

    [Fact]
    public void Plan_ChurnFragmentsFreeMemory_ConsolidationMovesTheSmallestReplicaAndPlacesIt()
    {
        var devices = Devices(consolidate: true);
        devices.Load("a", 4 * GiB);
        devices.Load("b", 4 * GiB);
        devices.Load("c", 5 * GiB);
        devices.Unload("a");

        var placed = devices.Load("d", 7 * GiB);

        // Moving b (4) off sim:0 onto sim:1 frees the most with the fewest bytes moved.
        Assert.Equal("sim:0", placed);
        Assert.Equal(1, devices.Moves);
        var layout = devices.Devices.ToDictionary(d => d.Name, d => d.Replicas.Select(r => r.Model).Order().ToList());
        Assert.Equal(["d"], layout["sim:0"]);
        Assert.Equal(["b", "c"], layout["sim:1"]);
    }

    [Fact]
    public void Plan_ModelLargerThanAllFreeMemory_RefusedSayingWhatIsFreeWhere()
    {
        var planner = new PlacementPlanner(new PlacementOptions());
        DeviceState[] devices =
        [
            new("sim:0", true, 10 * GiB, 1, [new PlacedReplica("a", 8 * GiB)]),
            new("sim:1", true, 10 * GiB, 1, [new PlacedReplica("b", 9 * GiB)]),
        ];

        var decision = planner.Plan(new PlacementRequest("big", 4 * GiB, 0, [["sim:0", "sim:1"]]), devices, consolidate: true);

        var refuse = Assert.IsType<PlacementDecision.Refuse>(decision);
        Assert.Contains("largest free: 2048 MiB on sim:0", refuse.Reason, StringComparison.Ordinal);
        Assert.Contains("free in all: 3072 MiB", refuse.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ReplicaStillLoading_IsNotMovedToMakeRoom()
    {
        var planner = new PlacementPlanner(new PlacementOptions());
        DeviceState[] devices =
        [
            new("sim:0", true, 10 * GiB, 1, [new PlacedReplica("loading", 4 * GiB, Movable: false), new PlacedReplica("b", 2 * GiB, Movable: false)]),
            new("sim:1", true, 10 * GiB, 1, [new PlacedReplica("c", 5 * GiB, Movable: false)]),
        ];

        var decision = planner.Plan(new PlacementRequest("d", 7 * GiB, 0, [["sim:0", "sim:1"]]), devices, consolidate: true);

        Assert.IsType<PlacementDecision.Refuse>(decision);
    }

    [Fact]
    public void Plan_TightestDeviceIsBusy_GoesToTheCalmOneEvenIfLooser()
    {
        var planner = new PlacementPlanner(new PlacementOptions { BusyLoad = 8 });
        DeviceState[] devices =
        [
            new("sim:0", true, 10 * GiB, 1, [new PlacedReplica("hot", 6 * GiB, ExpectedLoad: 20)]),
            new("sim:1", true, 10 * GiB, 1, []),
        ];

        var decision = planner.Plan(new PlacementRequest("new", 2 * GiB, 1, [["sim:0", "sim:1"]]), devices, consolidate: true);

        Assert.Equal("sim:1", Assert.IsType<PlacementDecision.Place>(decision).Device);
    }

    [Fact]
    public void Plan_NoAcceleratorHasRoom_FallsToTheNextGroup()
    {
        var planner = new PlacementPlanner(new PlacementOptions());
        DeviceState[] devices =
        [
            new("sim:0", true, 4 * GiB, 1, []),
            new("cpu", false, 64 * GiB, 1, []),
        ];

        var decision = planner.Plan(new PlacementRequest("big", 8 * GiB, 0, [["sim:0"], ["cpu"]]), devices, consolidate: true);

        Assert.Equal("cpu", Assert.IsType<PlacementDecision.Place>(decision).Device);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(20)]
    public void Load_FixedChurnTrace_WithConsolidationPlacesEveryModelSomeArrangementHolds(int seed)
    {
        var with = Devices(consolidate: true, count: 4);
        var without = Devices(consolidate: false, count: 4);

        foreach (var sim in new[] { with, without })
        {
            ChurnTrace.Play(sim, seed, steps: 400);
        }

        Assert.Equal(with.Placeable, with.PlacedOfPlaceable);
        Assert.True(without.PlacedOfPlaceable < without.Placeable, "the trace fragments a naive best fit");
    }

    [Fact]
    public void Load_FitsInFreeMemoryButInNoArrangement_NotCountedPlaceable()
    {
        var devices = Devices(consolidate: true);
        devices.Load("a", 6 * GiB);
        devices.Load("b", 6 * GiB);

        // 8 GiB free in all, but a 5 GiB model shares a device with neither 6 GiB one.
        Assert.Null(devices.Load("c", 5 * GiB));
        Assert.Equal(3, devices.FitInFreeMemory);
        Assert.Equal(2, devices.Placeable);
    }

    [Fact]
    public void Plan_OnlyASwapBetweenFullDevicesMakesRoom_DrainsOneFirstAndEveryStepFits()
    {
        var planner = new PlacementPlanner(new PlacementOptions());
        DeviceState[] devices =
        [
            new("sim:0", true, 10 * GiB, 1, [new PlacedReplica("six", 6 * GiB), new PlacedReplica("three", 3 * GiB)]),
            new("sim:1", true, 10 * GiB, 1, [new PlacedReplica("four-a", 4 * GiB), new PlacedReplica("four-b", 4 * GiB)]),
        ];

        // Only {six, a four} and {four, three, new} hold everything: a three and a four must swap, and neither device has room first.
        var plan = Assert.IsType<PlacementDecision.Consolidate>(planner.Plan(new PlacementRequest("new", 3 * GiB, 0, [["sim:0", "sim:1"]]), devices, consolidate: true));

        Assert.Equal("sim:1", plan.Device);
        Assert.Equal(2, plan.Moves.Count);
        Assert.Single(plan.Moves, m => m.ReloadLast);
        var free = devices.ToDictionary(d => d.Name, d => d.FreeBytes);
        foreach (var move in plan.Moves)
        {
            if (!move.ReloadLast)
            {
                Assert.True(free[move.To] >= move.Bytes, $"{move.Model} loads on {move.To} before room is there");
                free[move.To] -= move.Bytes;
            }

            free[move.From] += move.Bytes;
        }

        foreach (var move in plan.Moves.Where(m => m.ReloadLast))
        {
            Assert.True(free[move.To] >= move.Bytes, $"{move.Model} reloads on {move.To} without room");
            free[move.To] -= move.Bytes;
        }

        Assert.True(free[plan.Device] >= 3 * GiB);
    }
}
