using System.Buffers;
using System.Collections.Concurrent;
using Mesh.Metering.Spool;
using Mesh.Usage.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Metering;

/// <summary>
/// Delivers usage to the sink: first what an earlier process left in the spool, then the buffer,
/// in batches bounded by count, bytes and time. A batch that fails for a passing reason is
/// retried with backoff until delivered (several batches may be on their way at once); one the sink refuses as it is (too large, malformed) is
/// split, and an event refused alone is parked in the dead letters with the reason, so one bad
/// event never stops a service's billing. Delivered events leave the spool. Shutdown flushes
/// what it can in time; the rest stays in the spool for the next start.
/// </summary>
public sealed partial class UsageShipper(
    UsageBuffer buffer,
    IUsageSink sink,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageShipper> logger,
    UsageSpool? spool = null,
    UsageDeadLetters? deadLetters = null) : BackgroundService
{
    private readonly UsageOptions _options = options.Value;
    private readonly CancellationTokenSource _giveUp = new();
    // Batches' lists, reused once shipped: with a large MaxBatchSize, a list and an array per
    // batch would be large objects, and collecting those means full collections.
    private readonly ConcurrentBag<List<BufferedUsage>> _spareBatches = [];
    private readonly Lock _stopGate = new();
    private Task? _stopped;
    private long _delivered;
    private long _shipping;

    /// <summary>Events delivered to the sink (or parked) since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <remarks>
    /// A host can be stopped twice at once (under WebApplicationFactory, by the factory and by the
    /// program's own <c>Run</c>) and disposed as soon as one stop returns: every call shares the first.
    /// </remarks>
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopGate)
        {
            return _stopped ??= StopOnceAsync(cancellationToken);
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        buffer.Complete();
        using var flushDeadline = new CancellationTokenSource(_options.ShutdownFlushTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, flushDeadline.Token);
        var finished = ExecuteTask ?? Task.CompletedTask;
        await Task.WhenAny(finished, Task.Delay(Timeout.Infinite, linked.Token)).ConfigureAwait(false);
        if (!finished.IsCompleted)
        {
            var undelivered = Interlocked.Read(ref _shipping) + buffer.Count;
            LogUndelivered(logger, undelivered, spool is not null);
            await _giveUp.CancelAsync(); // stop retrying: shutdown must not wait for a sink that is gone
        }

        await base.StopAsync(CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ReplaySpoolAsync();

        // Runs until the buffer is completed and drained, not until stoppingToken: events
        // still buffered at shutdown must be delivered. StopAsync bounds that wait.
        // Up to MaxBatchesInFlight batches are delivered at once, so the sink's round trips
        // overlap with filling the next batch; each batch retries on its own until delivered.
        var inFlight = new List<Task>(_options.MaxBatchesInFlight);
        while (!_giveUp.IsCancellationRequested && await buffer.WaitToTakeAsync(CancellationToken.None))
        {
            var batch = await FillBatchAsync();
            if (batch.Count == 0)
            {
                continue;
            }

            inFlight.Add(ShipAsync(batch));
            if (inFlight.Count >= _options.MaxBatchesInFlight)
            {
                inFlight.Remove(await Task.WhenAny(inFlight));
            }
        }

        await Task.WhenAll(inFlight);
    }

    public override void Dispose()
    {
        _giveUp.Dispose();
        base.Dispose();
    }

    /// <summary>Delivers what earlier processes left in the spool (a crash, or a shutdown that timed out).</summary>
    private async Task ReplaySpoolAsync()
    {
        foreach (var segment in spool?.TakeLeftovers() ?? [])
        {
            LogReplaying(logger, segment.Events.Count, segment.Path);
            foreach (var chunk in segment.Events.Select(e => new EncodedUsage(e)).Chunk(_options.MaxBatchSize))
            {
                Interlocked.Add(ref _shipping, chunk.Length);
                if (!await DeliverAsync(chunk, firstSend: false))
                {
                    return;
                }

                Interlocked.Add(ref _shipping, -chunk.Length);
            }

            segment.Delivered();
        }
    }

    /// <summary>Delivers one batch; its events leave the spool once the sink has them.</summary>
    private async Task ShipAsync(List<BufferedUsage> batch)
    {
        Interlocked.Add(ref _shipping, batch.Count);
        var events = ArrayPool<EncodedUsage>.Shared.Rent(batch.Count);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                events[i] = batch[i].Usage;
            }

            if (await DeliverAsync(new ArraySegment<EncodedUsage>(events, 0, batch.Count), firstSend: true))
            {
                foreach (var usage in batch)
                {
                    usage.Segment?.Delivered();
                    usage.Usage.Release();
                }

                Interlocked.Add(ref _shipping, -batch.Count);
            }
        }
        finally
        {
            ArrayPool<EncodedUsage>.Shared.Return(events, clearArray: true);
            batch.Clear();
            _spareBatches.Add(batch);
        }
    }

    /// <summary>
    /// Takes events until the batch is full or <see cref="UsageOptions.FlushInterval"/> has passed
    /// since the first, looking for more every <see cref="UsageOptions.FillPollInterval"/>.
    /// </summary>
    private async Task<List<BufferedUsage>> FillBatchAsync()
    {
        if (!_spareBatches.TryTake(out var batch))
        {
            batch = new List<BufferedUsage>(Math.Min(_options.MaxBatchSize, Math.Max(16, buffer.Count)));
        }

        var started = time.GetTimestamp();
        long bytes = 0;
        while (true)
        {
            buffer.TakeInto(batch, _options.MaxBatchSize, _options.MaxBatchBytes, ref bytes);

            var left = _options.FlushInterval - time.GetElapsedTime(started);
            if (batch.Count >= _options.MaxBatchSize || bytes >= _options.MaxBatchBytes || left <= TimeSpan.Zero || buffer.IsCompleted)
            {
                return batch;
            }

            await Task.Delay(left < _options.FillPollInterval ? left : _options.FillPollInterval, time);
        }
    }

    /// <summary>
    /// Delivers until the sink has every event; <paramref name="firstSend"/> says none of them
    /// went to a sink before, which holds for the first attempt only.
    /// </summary>
    private async Task<bool> DeliverAsync(ArraySegment<EncodedUsage> events, bool firstSend)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; !_giveUp.IsCancellationRequested; attempt++)
        {
            try
            {
                var delivery = await sink.DeliverAsync(events, firstSend && attempt == 1, CancellationToken.None);
                foreach (var (eventId, reason) in delivery.Rejected)
                {
                    Park(Find(events, eventId), eventId, reason);
                }

                Interlocked.Add(ref _delivered, events.Count);
                return true;
            }
            catch (UsageRefusedException refused) when (events.Count > 1)
            {
                // Refused as it is: deliver the halves, down to the event that is refused alone.
                LogSplitting(logger, events.Count, refused.Message);
                var half = events.Count / 2;
                return await DeliverAsync(events[..half], firstSend: false) && await DeliverAsync(events[half..], firstSend: false);
            }
            catch (UsageRefusedException refused)
            {
                Park(events[0].Event, events[0].Event.EventId, refused.Message);
                Interlocked.Increment(ref _delivered);
                return true;
            }
            catch (Exception ex)
            {
                LogRetry(logger, events.Count, attempt, delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, time, _giveUp.Token);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }

        return false;
    }

    /// <summary>The event of the batch with this id (rejections are rare: parsing to find it is fine).</summary>
    private static UsageEvent? Find(ArraySegment<EncodedUsage> events, string eventId)
    {
        foreach (var usage in events)
        {
            var usageEvent = usage.Event;
            if (usageEvent.EventId == eventId)
            {
                return usageEvent;
            }
        }

        return null;
    }

    private void Park(UsageEvent? usageEvent, string eventId, string reason)
    {
        if (usageEvent is not null && deadLetters is not null)
        {
            deadLetters.Park(usageEvent, reason);
        }
        else
        {
            LogRejected(logger, eventId, reason);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Usage batch of {Count} events not delivered (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Usage event {EventId} was refused and will not be billed: {Reason}")]
    private static partial void LogRejected(ILogger logger, string eventId, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Critical, Message = "Shutdown flush timed out with {Count} usage events undelivered (kept in the spool for the next start: {Spooled})")]
    private static partial void LogUndelivered(ILogger logger, long count, bool spooled);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "The sink refused a usage batch of {Count} events as it is ({Reason}); delivering it in halves")]
    private static partial void LogSplitting(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Delivering {Count} usage events left in the spool by an earlier process ({Path})")]
    private static partial void LogReplaying(ILogger logger, int count, string path);
}
