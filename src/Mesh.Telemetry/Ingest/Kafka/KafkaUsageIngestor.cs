using System.Diagnostics;
using Confluent.Kafka;
using Mesh.ServiceDefaults.Usage;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Distributed mode's ingestor: a member of a consumer group on the usage topic that writes
/// batches (by size and time) to the usage store and commits their offsets only after the
/// store has them. Records it cannot store go to the dead-letter topic with the reason; the
/// stream goes on. After a crash the uncommitted tail is read again and the store keeps one
/// copy per event id, so every event counts exactly once.
/// </summary>
public sealed partial class KafkaUsageIngestor(
    string bootstrapServers,
    IOptions<KafkaIngestOptions> options,
    UsageMessageDecoder decoder,
    IUsageStore store,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<KafkaUsageIngestor> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private readonly KafkaIngestOptions _options = options.Value;
    private readonly List<ConsumeResult<byte[], byte[]>> _pending = [];
    private readonly Dictionary<TopicPartition, Offset> _toCommit = [];
    private readonly Dictionary<TopicPartition, Offset> _committed = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Consume blocks: leave the host's start path before the first call.
        await Task.Yield();
        using var deadLetters = new DeadLetterProducer(bootstrapServers, _options.DeadLetterTopic, SecuritySettings(), logger);
        using var consumer = BuildConsumer();
        consumer.Subscribe(_options.Topic);
        LogStarted(logger, _options.Topic, _options.GroupId);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Collect(consumer, stoppingToken);
                if (_pending.Count > 0)
                {
                    var batch = _pending.ToList();
                    _pending.Clear();
                    if (!await WriteAsync(batch, deadLetters, stoppingToken))
                    {
                        break; // Stopping before the batch was stored: it is read again next time.
                    }

                    foreach (var partition in batch.GroupBy(m => m.TopicPartition))
                    {
                        _toCommit[partition.Key] = partition.Max(m => m.Offset.Value) + 1;
                    }
                }

                Commit(consumer);
                UpdateLag(consumer);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (ConsumeException ex) when (ex.Error.IsFatal)
        {
            LogFatal(logger, ex.Error.Reason);
            throw;
        }
        finally
        {
            Commit(consumer);
            consumer.Close();
        }
    }

    private IConsumer<byte[], byte[]> BuildConsumer()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = _options.GroupId,
            ClientId = "mesh-telemetry-ingest",
            GroupProtocol = GroupProtocol.Classic,
            // Offsets are stored and committed by hand, after the batch is in the store.
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = Math.Max(100, (int)_options.SessionTimeout.TotalMilliseconds / 3),
            // A store outage may hold one batch for minutes; the member stays in the group meanwhile.
            MaxPollIntervalMs = 600_000,
            IsolationLevel = IsolationLevel.ReadCommitted,
        };
        foreach (var (key, value) in _options.Consumer)
        {
            config.Set(key, value);
        }

        return new ConsumerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => LogKafkaError(logger, error.Code, error.Reason))
            .SetLogHandler((_, message) => KafkaLog.Write(logger, message))
            .SetPartitionsAssignedHandler((_, partitions) => LogAssigned(logger, partitions.Count))
            .SetPartitionsRevokedHandler((consumer, partitions) => GiveUp(consumer, partitions.Select(p => p.TopicPartition), commitFirst: true))
            .SetPartitionsLostHandler((consumer, partitions) => GiveUp(consumer, partitions.Select(p => p.TopicPartition), commitFirst: false))
            .Build();
    }

    /// <summary>Security settings shared with the dead-letter producer (everything but consumer-only keys).</summary>
    private Dictionary<string, string> SecuritySettings() =>
        _options.Consumer.Where(s => s.Key.StartsWith("security.", StringComparison.Ordinal) || s.Key.StartsWith("sasl.", StringComparison.Ordinal) || s.Key.StartsWith("ssl.", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);

    /// <summary>Fills the pending batch until it is full or the oldest record waited MaxBatchDelay; returns early when idle.</summary>
    private void Collect(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
    {
        long? deadline = null;
        while (_pending.Count < _options.MaxBatchSize && !stoppingToken.IsCancellationRequested)
        {
            var wait = deadline is { } end ? time.GetElapsedTime(time.GetTimestamp(), end) : IdlePoll;
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(wait);
            }
            catch (ConsumeException ex) when (!ex.Error.IsFatal)
            {
                LogKafkaError(logger, ex.Error.Code, ex.Error.Reason);
                continue;
            }

            if (result is null)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                continue;
            }

            if (result.IsPartitionEOF)
            {
                continue;
            }

            _pending.Add(result);
            deadline ??= time.GetTimestamp() + (long)(_options.MaxBatchDelay.TotalSeconds * time.TimestampFrequency);
        }
    }

    /// <summary>Stores a batch and dead-letters its bad records, retrying until both land; false if stopping first.</summary>
    private async Task<bool> WriteAsync(List<ConsumeResult<byte[], byte[]>> batch, DeadLetterProducer deadLetters, CancellationToken stoppingToken)
    {
        var records = new List<UsageRecord>(batch.Count);
        var letters = new List<(ConsumeResult<byte[], byte[]>, string)>();
        foreach (var message in batch)
        {
            if (decoder.TryDecode(message, out var record, out var reason))
            {
                records.Add(record!);
            }
            else
            {
                letters.Add((message, reason));
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

        var started = Stopwatch.GetTimestamp();
        InsertResult? inserted = null;
        if (!await RetryAsync("the usage store", records.Count, async () => inserted = await store.InsertAsync(records, stoppingToken), stoppingToken))
        {
            return false;
        }

        metrics.Wrote(Stopwatch.GetElapsedTime(started));
        metrics.Recorded("stored", inserted!.Stored);
        metrics.Recorded("duplicate", inserted.Duplicates);
        LogStored(logger, inserted.Stored, inserted.Duplicates);
        return true;
    }

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

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }

        return false;
    }

    /// <summary>Commits the offsets of stored batches; on failure they stay due and go with the next commit.</summary>
    private void Commit(IConsumer<byte[], byte[]> consumer)
    {
        if (_toCommit.Count == 0)
        {
            return;
        }

        var offsets = _toCommit.Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList();
        try
        {
            consumer.Commit(offsets);
            foreach (var offset in offsets)
            {
                _committed[offset.TopicPartition] = offset.Offset;
                if (_toCommit.TryGetValue(offset.TopicPartition, out var due) && due == offset.Offset)
                {
                    _toCommit.Remove(offset.TopicPartition);
                }
            }
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(logger, offsets.Count, ex.Error.Code, ex.Error.Reason);
        }
    }

    /// <summary>
    /// Partitions leave this member: commit what is stored (when still allowed), and forget the
    /// records read but not stored; their next owner reads them from the committed offset.
    /// </summary>
    private void GiveUp(IConsumer<byte[], byte[]> consumer, IEnumerable<TopicPartition> partitions, bool commitFirst)
    {
        if (commitFirst)
        {
            Commit(consumer);
        }

        var leaving = partitions.ToHashSet();
        _pending.RemoveAll(m => leaving.Contains(m.TopicPartition));
        foreach (var partition in leaving)
        {
            _toCommit.Remove(partition);
            _committed.Remove(partition);
        }

        LogRevoked(logger, leaving.Count);
    }

    private void UpdateLag(IConsumer<byte[], byte[]> consumer)
    {
        long lag = 0;
        foreach (var partition in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            if (high == Offset.Unset)
            {
                continue;
            }

            var done = _committed.TryGetValue(partition, out var committed) ? committed : consumer.Position(partition);
            if (done != Offset.Unset)
            {
                lag += Math.Max(0, high.Value - done.Value);
            }
        }

        metrics.SetLag(lag);
    }
}
