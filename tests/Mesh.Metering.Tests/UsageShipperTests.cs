using System.Collections.Concurrent;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Tests;

public sealed class UsageShipperTests
{
    private static readonly UsageOptions FastOptions = new()
    {
        BufferCapacity = 10_000,
        MaxBatchSize = 100,
        FlushInterval = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        ShutdownFlushTimeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task Ship_SinkFailsThenRecovers_EveryEventDeliveredExactlyOnce()
    {
        var sink = new FlakySink(failures: 3);
        var (buffer, shipper) = Create(sink);
        await shipper.StartAsync(CancellationToken.None);

        var sent = await PublishAsync(buffer, 1_000);
        await WaitUntilAsync(() => sink.Delivered.Count == sent.Count);
        await shipper.StopAsync(CancellationToken.None);

        Assert.True(sink.Attempts > 3);
        Assert.Equal(sent, sink.Delivered.Select(e => e.EventId).Order());
    }

    [Fact]
    public async Task Stop_EventsStillBuffered_FlushesThemBeforeStopping()
    {
        var sink = new FlakySink(failures: 0);
        var (buffer, shipper) = Create(sink);
        var sent = await PublishAsync(buffer, 250);

        await shipper.StartAsync(CancellationToken.None);
        await shipper.StopAsync(CancellationToken.None);

        Assert.Equal(sent, sink.Delivered.Select(e => e.EventId).Order());
        Assert.True(sink.Batches.All(size => size <= FastOptions.MaxBatchSize));
    }

    private static (UsageBuffer, UsageShipper) Create(IUsageSink sink)
    {
        var options = Options.Create(FastOptions);
        var buffer = new UsageBuffer(options, TimeProvider.System);
        return (buffer, new UsageShipper(buffer, sink, options, TimeProvider.System, NullLogger<UsageShipper>.Instance));
    }

    private static async Task<List<string>> PublishAsync(UsageBuffer buffer, int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"event-{i:D5}").ToList();
        foreach (var id in ids)
        {
            await buffer.PublishAsync(new UsageEvent { EventId = id }, CancellationToken.None);
        }

        return ids;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private sealed class FlakySink(int failures) : IUsageSink
    {
        private int _attempts;

        public ConcurrentQueue<UsageEvent> Delivered { get; } = new();

        public ConcurrentQueue<int> Batches { get; } = new();

        public int Attempts => _attempts;

        public Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) <= failures)
            {
                throw new InvalidOperationException("telemetry unreachable");
            }

            Batches.Enqueue(batch.Count);
            foreach (var usageEvent in batch)
            {
                Delivered.Enqueue(usageEvent);
            }

            return Task.FromResult(new UsageDelivery(batch.Count, 0, []));
        }
    }
}
