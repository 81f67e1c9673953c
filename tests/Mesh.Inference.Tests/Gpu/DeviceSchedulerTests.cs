using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Inference.Tests.Gpu;

/// <summary>
/// The device scheduler's choices on constructed lanes: two models on one device, each lane a model
/// whose next work belongs to one tenant. Time is moved by hand, so each turn costs exactly what the
/// test says and the shares are exact.
/// </summary>
public sealed class DeviceSchedulerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A model worker whose next work is always one tenant's, in one class.</summary>
    private sealed class Lane(string tenant, TenantLedger ledger, int priorityClass = 1, long since = 0) : IDeviceLane
    {
        public string Tenant { get; } = tenant;

        public bool HasWork { get; set; } = true;

        public LaneClaim? Claim() => HasWork ? new LaneClaim(priorityClass, ledger.Share(Tenant), since) : null;
    }

    private static (DeviceScheduler Scheduler, FakeTimeProvider Time) Device(Func<string, double>? weights = null)
    {
        var time = new FakeTimeProvider();
        var ledger = new TenantLedger(weights ?? (_ => 1), TimeSpan.FromSeconds(10), time);
        return (new DeviceScheduler("sim:0", 1, 1, ledger, time), time);
    }

    /// <summary>
    /// Runs <paramref name="turns"/> turns of lanes that always have work, each lane on a thread of its
    /// own as model workers are: a lane holding the device runs (time moves by its cost), then asks for
    /// its next turn while every other lane waits. Returns the device time each tenant got.
    /// </summary>
    private static Dictionary<string, double> Simulate(DeviceScheduler scheduler, FakeTimeProvider time, IReadOnlyList<(Lane Lane, TimeSpan Cost)> lanes, int turns)
    {
        var got = lanes.ToDictionary(l => l.Lane.Tenant, _ => 0.0);
        using var granted = new System.Collections.Concurrent.BlockingCollection<int>();
        var go = lanes.Select(_ => new SemaphoreSlim(0)).ToArray();
        using var stop = new CancellationTokenSource();
        var workers = lanes.Select((l, i) => new Thread(() =>
        {
            try
            {
                var turn = scheduler.Acquire(l.Lane, stop.Token);
                while (true)
                {
                    granted.Add(i);
                    go[i].Wait(stop.Token);
                    turn = turn.Next([(l.Lane.Tenant, 1)], l.Lane, stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }) { IsBackground = true }).ToList();
        workers[0].Start();
        Assert.True(granted.TryTake(out var index, Timeout));
        workers.Skip(1).ToList().ForEach(w => w.Start());
        for (var t = 0; t < turns; t++)
        {
            if (t > 0)
            {
                Assert.True(granted.TryTake(out index, Timeout));
            }

            Assert.True(SpinWait.SpinUntil(() => scheduler.Waiting == lanes.Count - 1, Timeout), "the other lanes are waiting");
            var (lane, cost) = lanes[index];
            time.Advance(cost);
            got[lane.Tenant] += cost.TotalMilliseconds;
            go[index].Release();
        }

        stop.Cancel();
        Assert.All(workers, w => Assert.True(w.Join(Timeout)));
        return got;
    }

    [Fact]
    public void Acquire_HeavyTenantSaturatesOneModel_LightTenantOfAnotherModelGetsHalfTheDeviceTime()
    {
        var (scheduler, time) = Device();
        var heavy = new Lane("heavy", scheduler.Ledger);
        var light = new Lane("light", scheduler.Ledger);

        // Each heavy run takes 20 ms of device time, each light run 2 ms; both always have work.
        var got = Simulate(scheduler, time, [(heavy, TimeSpan.FromMilliseconds(20)), (light, TimeSpan.FromMilliseconds(2))], 400);

        var share = got["light"] / (got["light"] + got["heavy"]);
        Assert.InRange(share, 0.45, 0.55);
    }

    [Fact]
    public void Acquire_WeightTwo_GetsTwiceTheDeviceTimeOfWeightOne()
    {
        var (scheduler, time) = Device(t => t == "gold" ? 2 : 1);
        var gold = new Lane("gold", scheduler.Ledger);
        var basic = new Lane("basic", scheduler.Ledger);

        var got = Simulate(scheduler, time, [(gold, TimeSpan.FromMilliseconds(5)), (basic, TimeSpan.FromMilliseconds(5))], 300);

        Assert.InRange(got["gold"] / got["basic"], 1.8, 2.2);
    }

    [Fact]
    public async Task Release_LanesWaiting_GrantsTheBetterClassThenTheSmallerShareThenTheOlder()
    {
        var (scheduler, _) = Device();
        scheduler.Ledger.Charge("used", 50);
        var turn = scheduler.Acquire(new Lane("holder", scheduler.Ledger), CancellationToken.None);
        Lane[] lanes =
        [
            new("fresh-batch", scheduler.Ledger, priorityClass: 2),
            new("fresh-new", scheduler.Ledger, priorityClass: 1, since: 2),
            new("used", scheduler.Ledger, priorityClass: 1),
            new("fresh-old", scheduler.Ledger, priorityClass: 1, since: 1),
        ];
        using var granted = new System.Collections.Concurrent.BlockingCollection<int>();
        var done = lanes.Select(_ => new SemaphoreSlim(0)).ToArray();
        var workers = lanes.Select((l, i) => Task.Run(() =>
        {
            var mine = scheduler.Acquire(l, CancellationToken.None);
            granted.Add(i);
            done[i].Wait(Timeout);
            mine.Complete([]);
        })).ToArray();
        Assert.True(SpinWait.SpinUntil(() => scheduler.Waiting == lanes.Length, Timeout));

        turn.Complete([]);
        var order = new List<string>();
        for (var i = 0; i < lanes.Length; i++)
        {
            Assert.True(granted.TryTake(out var index, Timeout));
            order.Add(lanes[index].Tenant);
            done[index].Release();
        }

        await Task.WhenAll(workers).WaitAsync(Timeout);
        Assert.Equal(["fresh-old", "fresh-new", "used", "fresh-batch"], order);
    }

    [Fact]
    public void Acquire_LoneLane_NeverWaits()
    {
        var (scheduler, _) = Device();
        var lane = new Lane("alone", scheduler.Ledger);

        var turn = scheduler.Acquire(lane, CancellationToken.None);
        var next = turn.Next([("alone", 1)], lane, CancellationToken.None);
        next.Complete([("alone", 1)]);

        Assert.True(scheduler.TryAcquire(out var again));
        again.Dispose();
    }

    [Fact]
    public void Charge_ShareOfRecentTime_HalvesEachHalfLife()
    {
        var time = new FakeTimeProvider();
        var ledger = new TenantLedger(_ => 1, TimeSpan.FromSeconds(10), time);
        ledger.Charge("a", 100);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(50, ledger.Recent("a"), 6);
        Assert.Equal(100, ledger.TotalMs, 6);
        Assert.Equal([("a", 1.0)], ledger.Fractions());
    }

    [Fact]
    public void TryDequeue_DeviceQueue_ServesTheTenantWithLessDeviceTimeOnOtherModels()
    {
        var time = new FakeTimeProvider();
        var ledger = new TenantLedger(_ => 1, TimeSpan.FromSeconds(10), time);
        // "heavy" used the device through another model; this model's queue sees it.
        ledger.Charge("heavy", 1000);
        var queue = new FairQueue<Item>(ledger, time, TimeSpan.FromSeconds(5));
        queue.Enqueue(new Item("heavy", time.GetTimestamp()));
        queue.Enqueue(new Item("light", time.GetTimestamp()));

        Assert.True(queue.TryDequeue(out var first));
        Assert.Equal("light", first.Tenant);
    }

    private sealed class Item(string tenant, long enqueuedAt) : IScheduledWork
    {
        public string Tenant { get; } = tenant;

        public WorkPriority Priority => WorkPriority.Standard;

        public double Cost => 1;

        public bool IsAbandoned => false;

        public long EnqueuedAt { get; } = enqueuedAt;
    }
}
