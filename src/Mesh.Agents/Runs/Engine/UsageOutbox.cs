using Mesh.Agents.Runs.Store;
using Mesh.Metering;
using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Agents.Runs.Engine;

/// <summary>
/// Publishes the usage events steps committed with their results (a transactional outbox), so
/// a step that is committed is billed even if the process dies right after. After a restart it
/// publishes again what it published shortly before: usage events keep their ids, and
/// telemetry stores one per id.
/// </summary>
public sealed partial class UsageOutbox(IRunStore store, IUsagePublisher publisher, IOptions<RunEngineOptions> options, TimeProvider time, ILogger<UsageOutbox> logger) : BackgroundService
{
    private const int Batch = 500;
    private readonly SemaphoreSlim _kick = new(0, 1);

    public void Kick()
    {
        try
        {
            _kick.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already kicked.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? since = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.Value.UsageRepublishWindow.TotalMilliseconds;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var rows = await store.UsageToPublishAsync(since, Batch, stoppingToken);
                foreach (var row in rows)
                {
                    await publisher.PublishAsync(UsageEvent.Parser.ParseFrom(row.Payload), stoppingToken);
                }

                if (rows.Count > 0)
                {
                    await store.MarkPublishedAsync([.. rows.Select(r => r.EventId)], time.GetUtcNow().ToUnixTimeMilliseconds(), stoppingToken);
                }

                if (rows.Count == Batch)
                {
                    continue;
                }

                since = null;
                await _kick.WaitAsync(TimeSpan.FromMilliseconds(200), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None);
            }
        }

        // Shutdown: what was committed goes out before the usage shipper's final flush.
        try
        {
            var rows = await store.UsageToPublishAsync(null, 10_000, CancellationToken.None);
            foreach (var row in rows)
            {
                await publisher.PublishAsync(UsageEvent.Parser.ParseFrom(row.Payload), CancellationToken.None);
            }

            await store.MarkPublishedAsync([.. rows.Select(r => r.EventId)], time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex.Message);
        }
    }

    public override void Dispose()
    {
        _kick.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Publishing committed usage failed, retrying: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
