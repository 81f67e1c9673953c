using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>Runs <see cref="RollupCompactor"/> at start and then every <see cref="RollupOptions.Interval"/>.</summary>
public sealed partial class RollupCompactionService(IUsageStore store, IOptions<RollupOptions> options, TimeProvider time, ILogger<RollupCompactionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var compactor = new RollupCompactor(store, time);
        using var timer = new PeriodicTimer(settings.Interval, time);
        do
        {
            try
            {
                var watch = Stopwatch.StartNew();
                var done = await compactor.CompactAsync(settings.Grace, stoppingToken);
                if (done.Days > 0)
                {
                    LogCompacted(logger, done.Batch, done.Days, done.Watermark, watch.ElapsedMilliseconds);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Queries stay exact without it (they read the events past the last watermark); retried next tick.
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Roll-up batch {Batch}: rebuilt {Days} day(s) up to ingest mark {Watermark} in {Ms} ms")]
    private static partial void LogCompacted(ILogger logger, long batch, int days, long watermark, long ms);

    [LoggerMessage(EventId = 81, Level = LogLevel.Warning, Message = "Roll-up compaction failed; retrying at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
