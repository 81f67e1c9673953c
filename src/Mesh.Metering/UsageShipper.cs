using Mesh.Usage.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Metering;

/// <summary>
/// Drains the usage buffer in batches (by size and time) to the sink. A batch that fails is
/// retried with backoff until it is delivered; shutdown flushes what is left.
/// </summary>
public sealed partial class UsageShipper(
    UsageBuffer buffer,
    IUsageSink sink,
    IOptions<UsageOptions> options,
    TimeProvider time,
    ILogger<UsageShipper> logger) : BackgroundService
{
    private readonly UsageOptions _options = options.Value;
    private readonly List<UsageEvent> _batch = [];
    private readonly CancellationTokenSource _giveUp = new();

    /// <summary>Events delivered to the sink since start.</summary>
    public long Delivered { get; private set; }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        buffer.Complete();
        using var flushDeadline = new CancellationTokenSource(_options.ShutdownFlushTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, flushDeadline.Token);
        var finished = ExecuteTask ?? Task.CompletedTask;
        await Task.WhenAny(finished, Task.Delay(Timeout.Infinite, linked.Token)).ConfigureAwait(false);
        if (!finished.IsCompleted)
        {
            LogUndelivered(logger, _batch.Count + buffer.Count);
            await _giveUp.CancelAsync(); // stop retrying: shutdown must not wait for a sink that is gone
        }

        await base.StopAsync(CancellationToken.None);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Runs until the buffer is completed and drained, not until stoppingToken: events
        // still buffered at shutdown must be delivered. StopAsync bounds that wait.
        var reader = buffer.Reader;
        while (!_giveUp.IsCancellationRequested && await reader.WaitToReadAsync(CancellationToken.None))
        {
            await FillBatchAsync(reader);
            await DeliverWithRetryAsync(stoppingToken);
        }
    }

    private async Task FillBatchAsync(System.Threading.Channels.ChannelReader<UsageEvent> reader)
    {
        using var window = new CancellationTokenSource(_options.FlushInterval, time);
        try
        {
            while (_batch.Count < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    _batch.Add(next);
                }
                else if (!await reader.WaitToReadAsync(window.Token))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (window.IsCancellationRequested)
        {
            // The flush interval ended: send what we have.
        }
    }

    private async Task DeliverWithRetryAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; !_giveUp.IsCancellationRequested; attempt++)
        {
            try
            {
                var delivery = await sink.DeliverAsync(_batch, CancellationToken.None);
                foreach (var (eventId, reason) in delivery.Rejected)
                {
                    LogRejected(logger, eventId, reason);
                }

                Delivered += _batch.Count;
                _batch.Clear();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, _batch.Count, attempt, delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, time, _giveUp.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    public override void Dispose()
    {
        _giveUp.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Usage batch of {Count} events not delivered (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogRetry(ILogger logger, int count, int attempt, double delayMs, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Usage event {EventId} was rejected by the store and will not be billed: {Reason}")]
    private static partial void LogRejected(ILogger logger, string eventId, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Critical, Message = "Shutdown flush timed out with {Count} usage events undelivered")]
    private static partial void LogUndelivered(ILogger logger, int count);
}
