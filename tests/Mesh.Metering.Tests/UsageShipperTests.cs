using System.Collections.Concurrent;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging;
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
        MaxBatchesInFlight = 3,
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

    [Fact]
    public async Task Ship_SinkRefusesBatchesHoldingOnePoisonEvent_ParksItWithTheReasonAndDeliversTheRest()
    {
        using var folder = new TempFolder();
        var sink = new PoisonSink("event-00137");
        var deadLetters = DeadLetters(folder.Path);
        var (buffer, shipper) = Create(sink, deadLetters: deadLetters);
        await shipper.StartAsync(CancellationToken.None);

        var sent = await PublishAsync(buffer, 500);
        await WaitUntilAsync(() => sink.Delivered.Count == sent.Count - 1);
        await shipper.StopAsync(CancellationToken.None);

        Assert.Equal(sent.Where(id => id != "event-00137"), sink.Delivered.Select(e => e.EventId).Order());
        var parked = Assert.Single(File.ReadAllLines(deadLetters.Path));
        Assert.Contains("event-00137", parked, StringComparison.Ordinal);
        Assert.Contains("too large for the test sink", parked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ship_StoreRejectsOneEvent_ParksItAndCountsTheBatchDelivered()
    {
        using var folder = new TempFolder();
        var sink = new PoisonSink("event-00003", rejectInsteadOfRefusing: true);
        var deadLetters = DeadLetters(folder.Path);
        var (buffer, shipper) = Create(sink, deadLetters: deadLetters);
        await shipper.StartAsync(CancellationToken.None);

        var sent = await PublishAsync(buffer, 10);
        await WaitUntilAsync(() => shipper.Delivered == sent.Count);
        await shipper.StopAsync(CancellationToken.None);

        Assert.Equal(1, deadLetters.Parked);
        Assert.Contains("occurred_at", File.ReadAllText(deadLetters.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SpoolLeftByAProcessThatDied_DeliversItsEventsThenRemovesTheSegments()
    {
        using var folder = new TempFolder();
        var crashed = Spool(folder.Path);
        var (crashedBuffer, _) = Create(new PoisonSink(""), crashed);
        var sent = await PublishAsync(crashedBuffer, 300);
        crashed.Dispose(); // the process died: nothing was shipped

        var sink = new PoisonSink("");
        using var restarted = Spool(folder.Path);
        var (_, shipper) = Create(sink, restarted);
        await shipper.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => sink.Delivered.Count == sent.Count);
        await shipper.StopAsync(CancellationToken.None);

        Assert.Equal(sent, sink.Delivered.Select(e => e.EventId).Order());
        Assert.Empty(Directory.GetFiles(folder.Path, "*.spool", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Ship_SinkSlowToAcknowledge_KeepsMaxBatchesInFlightAtOnceAndNoMore()
    {
        var sink = new HeldSink();
        var (buffer, shipper) = Create(sink);
        await shipper.StartAsync(CancellationToken.None);

        var sent = await PublishAsync(buffer, FastOptions.MaxBatchSize * 10);
        await WaitUntilAsync(() => sink.Waiting == FastOptions.MaxBatchesInFlight);
        await Task.Delay(200); // room for a wrongly started extra batch to show up
        var heldAtOnce = sink.Waiting;
        sink.Release();
        await WaitUntilAsync(() => sink.Delivered.Count == sent.Count);
        await shipper.StopAsync(CancellationToken.None);

        Assert.Equal(FastOptions.MaxBatchesInFlight, heldAtOnce);
        Assert.Equal(FastOptions.MaxBatchesInFlight, sink.MostWaiting);
        Assert.Equal(sent, sink.Delivered.Select(e => e.EventId).Order());
    }

    [Fact]
    public async Task Stop_CalledTwiceAtOnceAndDisposedAsSoonAsOneReturns_BothReturnWithoutError()
    {
        // A sink that is gone, so a stop waits out the flush deadline and warns. The logger lets
        // two stops both reach that warning if they can, then holds the second until the shipper
        // is disposed, as a host does once one stop returns.
        var options = Options.Create(new UsageOptions
        {
            MaxBatchSize = 100,
            FlushInterval = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            ShutdownFlushTimeout = TimeSpan.FromMilliseconds(200),
        });
        var buffer = new UsageBuffer(options, TimeProvider.System);
        var logger = new HoldsSecondFlushTimeout();
        var shipper = new UsageShipper(buffer, new FlakySink(failures: int.MaxValue), options, TimeProvider.System, logger);
        await shipper.StartAsync(CancellationToken.None);
        await PublishAsync(buffer, 10);

        var stops = new[] { shipper.StopAsync(CancellationToken.None), shipper.StopAsync(CancellationToken.None) };
        var firstDone = await Task.WhenAny(stops);
        shipper.Dispose();
        logger.Disposed.SetResult();

        await firstDone;
        await Task.WhenAll(stops);
        Assert.Equal(1, logger.FlushTimeouts);
    }

    private static (UsageBuffer, UsageShipper) Create(IUsageSink sink, Spool.UsageSpool? spool = null, Spool.UsageDeadLetters? deadLetters = null)
    {
        var options = Options.Create(FastOptions);
        var buffer = new UsageBuffer(options, TimeProvider.System, spool);
        return (buffer, new UsageShipper(buffer, sink, options, TimeProvider.System, NullLogger<UsageShipper>.Instance, spool, deadLetters));
    }

    private static Spool.UsageSpool Spool(string folder) => new(
        Options.Create(new Spool.SpoolOptions { Directory = folder }), new ServiceDefaults.Grpc.MeshServiceInfo("tests"), TimeProvider.System,
        NullLogger<Spool.UsageSpool>.Instance);

    private static Spool.UsageDeadLetters DeadLetters(string folder) => new(
        Options.Create(new Spool.SpoolOptions { Directory = folder }), new ServiceDefaults.Grpc.MeshServiceInfo("tests"), TimeProvider.System,
        NullLogger<Spool.UsageDeadLetters>.Instance);

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

    /// <summary>Refuses (or, as a store does, rejects) any batch holding the poison event; takes the rest.</summary>
    private sealed class PoisonSink(string poisonId, bool rejectInsteadOfRefusing = false) : IUsageSink
    {
        public ConcurrentQueue<UsageEvent> Delivered { get; } = new();

        public Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
        {
            var poisoned = batch.Any(e => e.EventId == poisonId);
            if (poisoned && !rejectInsteadOfRefusing)
            {
                throw new UsageRefusedException("the batch is too large for the test sink");
            }

            foreach (var usageEvent in batch.Where(e => e.EventId != poisonId))
            {
                Delivered.Enqueue(usageEvent);
            }

            return Task.FromResult(new UsageDelivery(batch.Count, 0, poisoned ? [(poisonId, "occurred_at is outside 1970 to 2106")] : []));
        }
    }

    /// <summary>
    /// Counts "flush timed out" warnings: the first waits a while for a second, and a second waits
    /// until <see cref="Disposed"/> is set.
    /// </summary>
    private sealed class HoldsSecondFlushTimeout : ILogger<UsageShipper>
    {
        private readonly TaskCompletionSource _secondArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _flushTimeouts;

        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int FlushTimeouts => Volatile.Read(ref _flushTimeouts);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 102)
            {
                return;
            }

            if (Interlocked.Increment(ref _flushTimeouts) == 1)
            {
                _secondArrived.Task.Wait(TimeSpan.FromSeconds(1));
            }
            else
            {
                _secondArrived.TrySetResult();
                Disposed.Task.Wait(TimeSpan.FromSeconds(10));
            }
        }
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mesh-shipper-tests-{Guid.NewGuid():N}");

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
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

    /// <summary>Holds every delivery until released, as a sink waiting for acknowledgements does.</summary>
    private sealed class HeldSink : IUsageSink
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;
        private int _mostWaiting;

        public ConcurrentQueue<UsageEvent> Delivered { get; } = new();

        public int Waiting => Volatile.Read(ref _waiting);

        public int MostWaiting => Volatile.Read(ref _mostWaiting);

        public void Release() => _released.TrySetResult();

        public async Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
        {
            var waiting = Interlocked.Increment(ref _waiting);
            for (var most = _mostWaiting; waiting > most; most = _mostWaiting)
            {
                Interlocked.CompareExchange(ref _mostWaiting, waiting, most);
            }

            await _released.Task;
            Interlocked.Decrement(ref _waiting);
            foreach (var usageEvent in batch)
            {
                Delivered.Enqueue(usageEvent);
            }

            return new UsageDelivery(batch.Count, 0, []);
        }
    }
}
