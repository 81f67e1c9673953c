using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Tests;

public sealed class FairQueueTests
{
    private sealed class Work(string tenant, WorkPriority priority = WorkPriority.Standard, double cost = 1, long enqueuedAt = 0) : IScheduledWork
    {
        public string Tenant { get; } = tenant;

        public WorkPriority Priority { get; } = priority;

        public double Cost { get; } = cost;

        public bool IsAbandoned { get; set; }

        public long EnqueuedAt { get; } = enqueuedAt;
    }

    private static List<Work> Drain(FairQueue<Work> queue, int count)
    {
        var taken = new List<Work>();
        while (taken.Count < count && queue.TryDequeue(out var item))
        {
            taken.Add(item);
        }

        return taken;
    }

    [Fact]
    public void TryDequeue_TenantFloodsTenFold_OtherTenantGetsHalfOfTheTurnsWhileItHasWork()
    {
        var queue = new FairQueue<Work>(_ => 1);
        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(new Work("flood"));
        }

        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(new Work("light"));
        }

        var first20 = Drain(queue, 20);

        Assert.Equal(10, first20.Count(w => w.Tenant == "light"));
        Assert.Equal(10, first20.Count(w => w.Tenant == "flood"));
    }

    [Fact]
    public void TryDequeue_LateArrivalAfterFlood_IsServedNextNotAfterTheBacklog()
    {
        var queue = new FairQueue<Work>(_ => 1);
        for (var i = 0; i < 1000; i++)
        {
            queue.Enqueue(new Work("flood"));
        }

        Drain(queue, 10);
        queue.Enqueue(new Work("light"));

        var next = Drain(queue, 2);

        Assert.Contains(next, w => w.Tenant == "light");
    }

    [Fact]
    public void TryDequeue_WeightTwo_GetsTwiceTheShare()
    {
        var queue = new FairQueue<Work>(t => t == "gold" ? 2 : 1);
        for (var i = 0; i < 60; i++)
        {
            queue.Enqueue(new Work("gold"));
            queue.Enqueue(new Work("basic"));
        }

        var first30 = Drain(queue, 30);

        Assert.Equal(20, first30.Count(w => w.Tenant == "gold"));
    }

    [Fact]
    public void TryDequeue_CostsDiffer_SharesDeviceWorkNotCalls()
    {
        var queue = new FairQueue<Work>(_ => 1);
        for (var i = 0; i < 40; i++)
        {
            queue.Enqueue(new Work("long", cost: 100));
            queue.Enqueue(new Work("short", cost: 10));
        }

        var first22 = Drain(queue, 22);

        Assert.Equal(20, first22.Count(w => w.Tenant == "short"));
    }

    [Fact]
    public void TryDequeue_TenantSendsEverythingInteractive_OtherTenantsStandardWorkWaitsOnlyUntilItAgesUp()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var queue = new FairQueue<Work>(_ => 1, time, TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10; i++)
        {
            queue.Enqueue(new Work("quiet", WorkPriority.Standard, enqueuedAt: time.GetTimestamp()));
        }

        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(new Work("loud", WorkPriority.Interactive, enqueuedAt: time.GetTimestamp()));
        }

        var fresh = Drain(queue, 10);
        time.Advance(TimeSpan.FromSeconds(5));
        var aged = Drain(queue, 20);

        // Interactive (a granted class) goes first; once standard work has waited an aging interval it
        // competes in the same class, where the tenant owed the most (quiet) is served.
        Assert.All(fresh, w => Assert.Equal("loud", w.Tenant));
        Assert.Equal(10, aged.Count(w => w.Tenant == "quiet"));
    }

    [Fact]
    public void TryDequeue_OneTenantsInteractiveBehindItsBatch_GoesFirstWithinTheTenant()
    {
        var queue = new FairQueue<Work>(_ => 1);
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue(new Work("a", WorkPriority.Batch));
        }

        var urgent = new Work("a", WorkPriority.Interactive);
        queue.Enqueue(urgent);

        Assert.Same(urgent, Drain(queue, 1)[0]);
    }

    [Fact]
    public void TryDequeue_HigherPriorityClass_GoesFirst()
    {
        var queue = new FairQueue<Work>(_ => 1);
        queue.Enqueue(new Work("a", WorkPriority.Batch));
        queue.Enqueue(new Work("b", WorkPriority.Standard));
        queue.Enqueue(new Work("c", WorkPriority.Interactive));

        Assert.Equal(["c", "b", "a"], Drain(queue, 3).Select(w => w.Tenant));
    }

    [Fact]
    public void TryDequeue_AbandonedItem_IsSkippedAndUncounted()
    {
        var queue = new FairQueue<Work>(_ => 1);
        var gone = new Work("a") { IsAbandoned = true };
        queue.Enqueue(gone);
        queue.Enqueue(new Work("b"));

        var taken = Drain(queue, 5);

        Assert.Equal(["b"], taken.Select(w => w.Tenant));
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.CountOf("a"));
    }

    [Fact]
    public void Enqueue_TenantOverItsLimit_ResourceExhaustedWithRetryHint()
    {
        using var queue = new WorkQueue<Work>("m", 100, new SchedulingOptions { MaxQueuedPerTenant = 3 });
        queue.Enqueue([new Work("flood"), new Work("flood"), new Work("flood")]);

        var error = Assert.Throws<Grpc.Core.RpcException>(() => queue.Enqueue([new Work("flood")]));
        queue.Enqueue([new Work("light")]);

        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, error.StatusCode);
        Assert.True(long.Parse(error.Trailers.GetValue(QueueFull.RetryAfterTrailer)!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(4, queue.Count);
    }

    [Fact]
    public void Enqueue_ModelQueueFull_ResourceExhausted()
    {
        using var queue = new WorkQueue<Work>("m", 2, new SchedulingOptions());
        queue.Enqueue([new Work("a"), new Work("b")]);

        var error = Assert.Throws<Grpc.Core.RpcException>(() => queue.Enqueue([new Work("c")]));

        Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("limit is 2", error.Status.Detail, StringComparison.Ordinal);
    }
}
