using System.Collections.Concurrent;
using Confluent.Kafka;
using Mesh.Telemetry.Settlement;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Writes one batch of Kafka records: decodes and prices them, sends the bad ones to the
/// dead-letter topic, stores the rest and settles their budgets, retrying each until it lands
/// (or the service stops).
/// </summary>
public sealed partial class UsageBatchWriter(
    UsageMessageDecoder decoder,
    IUsageStore store,
    UsageSettler settler,
    IngestMetrics metrics,
    IOptions<KafkaIngestOptions> options,
    TimeProvider time,
    ILogger<UsageBatchWriter> logger)
{
    // Reused from batch to batch (a few batches are in flight at most): a full batch's list is
    // a large object, and one per batch would bring on a full collection every few batches.
    private readonly ConcurrentBag<List<UsageRecord>> _spareLists = [];

    /// <summary>True once every record is stored or dead-lettered; false if stopping came first.</summary>
    public async Task<bool> WriteAsync(IReadOnlyList<PendingRecord> batch, DeadLetterProducer deadLetters, CancellationToken stoppingToken)
    {
        var records = _spareLists.TryTake(out var spare) ? spare : [];
        try
        {
            return await WriteAsync(batch, records, deadLetters, stoppingToken);
        }
        finally
        {
            records.Clear();
            _spareLists.Add(records);
        }
    }

    private async Task<bool> WriteAsync(IReadOnlyList<PendingRecord> batch, List<UsageRecord> records, DeadLetterProducer deadLetters, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(deadLetters);
        var letters = new List<(ConsumeResult<byte[], byte[]>, string)>();
        foreach (var pending in batch)
        {
            if (decoder.TryDecode(pending.Message, pending.ReadBefore, out var record, out var reason))
            {
                records.Add(record!);
            }
            else
            {
                letters.Add((pending.Message, reason));
            }
        }

        if (letters.Count > 0)
        {
            if (!await RetryAsync("the dead-letter topic", letters.Count, () => deadLetters.SendAsync(letters, stoppingToken), stoppingToken))
            {
                return false;
            }

            LogDeadLettered(logger, letters.Count, letters[0].Item2);
            metrics.Recorded("dead_letter", letters.Count);
        }

        if (records.Count == 0)
        {
            return true;
        }

        var started = time.GetTimestamp();
        InsertResult? inserted = null;
        var attempts = 0;
        if (!await RetryAsync("the usage store", records.Count, async () => inserted = await store.InsertAsync(attempts++ == 0 ? records : LookedUp(records), stoppingToken), stoppingToken))
        {
            return false;
        }

        var elapsed = time.GetElapsedTime(started);
        metrics.Wrote(elapsed);
        metrics.Recorded("stored", inserted!.Stored);
        metrics.Recorded("duplicate", inserted.Duplicates);
        LogStored(logger, inserted.Stored, inserted.Duplicates, elapsed.TotalMilliseconds);
        // Budgets settle from what was billed, before the offsets are committed: a crash between
        // the two replays the batch, and identity settles each reservation and event once.
        return await RetryAsync("identity's budgets", records.Count, () => settler.SettleAsync(records, stoppingToken), stoppingToken);
    }

    /// <summary>
    /// The records with none taken as a first arrival: a failed insert may have landed all the
    /// same (ClickHouse took it, the answer timed out), so a retry looks every event up.
    /// </summary>
    private static List<UsageRecord> LookedUp(List<UsageRecord> records) =>
        records.ConvertAll(r => r.FirstArrival ? r with { FirstArrival = false } : r);

    private async Task<bool> RetryAsync(string target, int count, Func<Task> write, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await write();
                return true;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetry(logger, count, target, attempt, delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Debug, Message = "Stored {Stored} usage events from Kafka ({Duplicates} already stored) in {Milliseconds} ms")]
    private static partial void LogStored(ILogger logger, int stored, int duplicates, double milliseconds);

    [LoggerMessage(EventId = 42, Level = LogLevel.Warning, Message = "Sent {Count} usage records to the dead-letter topic; first reason: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 43, Level = LogLevel.Warning, Message = "Could not write {Count} usage records to {Target} (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
    private static partial void LogRetry(ILogger logger, int count, string target, int attempt, double delayMs, string reason);
}
