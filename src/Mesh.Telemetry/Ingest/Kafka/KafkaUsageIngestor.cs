using Confluent.Kafka;
using Mesh.Metering.Kafka;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Distributed mode's ingestor: a member of a consumer group on the usage topic that writes
/// batches (by size and time) to the usage store and commits their offsets only after the
/// store has them. Records it cannot store go to the dead-letter topic with the reason; the
/// stream goes on. After a crash the uncommitted tail is read again and the store keeps one
/// copy per event id, so every event counts exactly once. The store looks up only the events
/// that can be there already: those of a partition's tail from before this member's assignment,
/// and those their producer did not mark as a first send (<see cref="Usage.V1.UsageEvent.FirstSend"/>).
/// </summary>
public sealed partial class KafkaUsageIngestor(
    string bootstrapServers,
    IOptions<KafkaIngestOptions> options,
    UsageMessageDecoder decoder,
    UsageBatchWriter writer,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<KafkaUsageIngestor> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BusyStorePoll = TimeSpan.FromMilliseconds(5);
    private readonly KafkaIngestOptions _options = options.Value;
    private List<PendingRecord> _pending = [];
    // The list of the batch last stored, reused: a full batch's list is a large object.
    private List<PendingRecord>? _spareList;
    private readonly Dictionary<(string Topic, int Partition), PartitionTail> _partitions = [];
    private readonly PartitionOffsets _offsets = new(logger);
    private readonly OffsetGapDetector _gaps = new(metrics, logger);
    private Task<bool>? _writing;
    private List<PendingRecord>? _writingBatch;

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
                if (_writing is not null && (_writing.IsCompleted || _pending.Count > 0) && !await FinishWriteAsync())
                {
                    break; // Stopping before the batch was stored: it is read again next time.
                }

                if (_pending.Count > 0)
                {
                    var batch = _pending;
                    _pending = _spareList ?? [];
                    _spareList = null;
                    // Decoding and storing run beside consuming: the next batch is read meanwhile.
                    // One batch at a time is in flight, so offsets are committed in order.
                    _writingBatch = batch;
                    _writing = Task.Run(() => writer.WriteAsync(batch, deadLetters, stoppingToken), CancellationToken.None);
                }

                _offsets.Commit(consumer);
                metrics.SetLag(_offsets.Lag(consumer));
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
            if (_writing is not null)
            {
                await FinishWriteAsync();
            }

            _offsets.Commit(consumer);
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
            // A committed offset the broker no longer has (retention) resumes at the earliest record
            // left; OffsetGapDetector reports the records skipped that way, and billing goes on.
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
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                _gaps.Assigned(partitions);
                LogAssigned(logger, partitions.Count);
            })
            .SetPartitionsRevokedHandler((consumer, partitions) => GiveUp(consumer, partitions.Select(p => p.TopicPartition), commitFirst: true))
            .SetPartitionsLostHandler((consumer, partitions) => GiveUp(consumer, partitions.Select(p => p.TopicPartition), commitFirst: false))
            .Build();
    }

    /// <summary>Security settings shared with the dead-letter producer (everything but consumer-only keys).</summary>
    private Dictionary<string, string> SecuritySettings() =>
        _options.Consumer.Where(s => s.Key.StartsWith("security.", StringComparison.Ordinal) || s.Key.StartsWith("sasl.", StringComparison.Ordinal) || s.Key.StartsWith("ssl.", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);

    /// <summary>
    /// Fills the pending batch until it is full, or the oldest record waited MaxBatchDelay and the
    /// store is free to take it; returns early when idle. While the store is busy with the previous
    /// batch the next one keeps growing, so a slow store gets fewer, larger inserts.
    /// </summary>
    private void Collect(IConsumer<byte[], byte[]> consumer, CancellationToken stoppingToken)
    {
        long? deadline = null;
        while (_pending.Count < _options.MaxBatchSize && !stoppingToken.IsCancellationRequested)
        {
            var wait = deadline is { } end ? time.GetElapsedTime(time.GetTimestamp(), end) : IdlePoll;
            if (wait <= TimeSpan.Zero)
            {
                if (_writing is null || _writing.IsCompleted)
                {
                    return;
                }

                wait = BusyStorePoll;
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

            if (!result.IsPartitionEOF)
            {
                _gaps.Consumed(consumer, result);
                _pending.Add(Decode(consumer, result));
                deadline ??= time.GetTimestamp() + (long)(_options.MaxBatchDelay.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    /// <summary>Decodes a record as it arrives; only a rejected one keeps the Kafka record (for the dead-letter topic).</summary>
    private PendingRecord Decode(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> result)
    {
        // One TopicPartition per partition, not a new one per record held in the batch.
        var key = (result.Topic, result.Partition.Value);
        if (!_partitions.TryGetValue(key, out var tail))
        {
            _partitions[key] = tail = new PartitionTail(result.TopicPartition);
        }

        var offset = result.Offset.Value;
        return decoder.TryDecode(result, tail.MayHaveBeenRead(consumer, offset), out var record, out var reason)
            ? new PendingRecord(tail.Partition, offset, record)
            : new PendingRecord(tail.Partition, offset, null, result, reason);
    }

    /// <summary>Waits for the batch in flight; once stored, its offsets are due for commit. False if it was not stored.</summary>
    private async Task<bool> FinishWriteAsync()
    {
        var writing = _writing!;
        var batch = _writingBatch!;
        _writing = null;
        _writingBatch = null;
        if (!await writing)
        {
            return false;
        }

        _offsets.Stored(batch);
        batch.Clear();
        _spareList = batch;
        return true;
    }

    /// <summary>
    /// Partitions leave this member: commit what is stored (when still allowed), and forget the
    /// records read but not stored; their next owner reads them from the committed offset.
    /// </summary>
    private void GiveUp(IConsumer<byte[], byte[]> consumer, IEnumerable<TopicPartition> partitions, bool commitFirst)
    {
        // Called from inside Consume, on the consuming thread: let the batch in flight land first.
        if (_writing is not null)
        {
            FinishWriteAsync().GetAwaiter().GetResult();
        }

        if (commitFirst)
        {
            _offsets.Commit(consumer);
        }

        var leaving = partitions.ToHashSet();
        _pending.RemoveAll(m => leaving.Contains(m.Partition));
        // Given back, a partition's tail is found again: others may read and store it meanwhile.
        foreach (var partition in leaving)
        {
            _partitions.Remove((partition.Topic, partition.Partition.Value));
        }

        _offsets.Forget(leaving);
        _gaps.Forget(leaving);
        LogRevoked(logger, leaving.Count);
    }
}
