using System.Collections.Concurrent;
using Confluent.Kafka;
using Mesh.Telemetry.Settlement;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Writes one batch of Kafka records: decodes and prices them as the store reads them, stores the
/// good ones, sends the bad ones to the dead-letter topic and settles the budgets of the stored
/// ones, retrying each step until it lands (or the service stops).
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
        var settling = _spareLists.TryTake(out var spare) ? spare : [];
        try
        {
            return await WriteAsync(batch, settling, deadLetters, stoppingToken);
        }
        finally
        {
            settling.Clear();
            _spareLists.Add(settling);
        }
    }

    private async Task<bool> WriteAsync(IReadOnlyList<PendingRecord> batch, List<UsageRecord> settling, DeadLetterProducer deadLetters, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(deadLetters);
        var letters = new List<(ConsumeResult<byte[], byte[]>, string)>();

        // The store reads the records as they are decoded, so a batch's records are never all
        // alive at once (which made every garbage collection under load copy them); a retry
        // decodes them again, every one looked up (see LookedUp).
        IEnumerable<UsageRecord> Decoded(bool lookedUp)
        {
            letters.Clear();
            settling.Clear();
            var settles = settler.Settles;
            foreach (var pending in batch)
            {
                if (!decoder.TryDecode(pending.Message, pending.ReadBefore, out var record, out var reason))
                {
                    letters.Add((pending.Message, reason));
                    continue;
                }

                record = lookedUp ? LookedUp(record!) : record!;
                if (settles && UsageSettler.Concerns(record))
                {
                    settling.Add(record);
                }

                yield return record;
            }
        }

        var started = time.GetTimestamp();
        InsertResult? inserted = null;
        var attempts = 0;
        if (!await RetryAsync("the usage store", batch.Count, async () => inserted = await store.InsertAsync(Decoded(lookedUp: attempts++ > 0), stoppingToken), stoppingToken))
        {
            return false;
        }

        if (inserted!.Stored + inserted.Duplicates > 0)
        {
            var elapsed = time.GetElapsedTime(started);
            metrics.Wrote(elapsed);
            metrics.Recorded("stored", inserted.Stored);
            metrics.Recorded("duplicate", inserted.Duplicates);
            LogStored(logger, inserted.Stored, inserted.Duplicates, elapsed.TotalMilliseconds);
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

        // Budgets settle from what was billed, before the offsets are committed: a crash between
        // the two replays the batch, and identity settles each reservation and event once.
        return settling.Count == 0 || await RetryAsync("identity's budgets", settling.Count, () => settler.SettleAsync(settling, stoppingToken), stoppingToken);
    }

    /// <summary>
    /// The record not taken as a first arrival: a failed insert may have landed all the same
    /// (ClickHouse took it, the answer timed out), so a retry looks every event up.
    /// </summary>
    private static UsageRecord LookedUp(UsageRecord record) => record.FirstArrival ? record with { FirstArrival = false } : record;

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
