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
    UsageBatchWriter writer,
    IngestMetrics metrics,
    TimeProvider time,
    ILogger<KafkaUsageIngestor> logger) : BackgroundService
{
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BusyStorePoll = TimeSpan.FromMilliseconds(5);
    private readonly KafkaIngestOptions _options = options.Value;
    // Two batches may be in flight: one decoding while the one before is inserted.
    private const int MaxWritesInFlight = 2;
    private List<PendingRecord> _pending = [];
    // The lists of batches stored, reused: a full batch's list is a large object.
    private readonly Stack<List<PendingRecord>> _spareLists = new();
    private readonly Dictionary<(string Topic, int Partition), PartitionTail> _partitions = [];
    private readonly PartitionOffsets _offsets = new(logger);
    private readonly OffsetGapDetector _gaps = new(metrics, logger);
    // Oldest first; finished in that order, so offsets are committed in order.
    private readonly Queue<(Task<bool> Writing, List<PendingRecord> Batch)> _writes = new();

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
                if (!await FinishWritesAsync(waitForRoom: _pending.Count > 0))
                {
                    break; // Stopping before a batch was stored: it is read again next time.
                }

                if (_pending.Count > 0)
                {
                    var batch = _pending;
                    _pending = _spareLists.TryPop(out var spare) ? spare : [];
                    // Decoding, pricing and storing run beside consuming: the next batch is read meanwhile.
                    _writes.Enqueue((Task.Run(() => writer.WriteAsync(batch, deadLetters, stoppingToken), CancellationToken.None), batch));
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
            await FinishAllWritesAsync();
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
                if (_writes.Count < MaxWritesInFlight || _writes.Peek().Writing.IsCompleted)
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
                _pending.Add(Pending(consumer, result));
                deadline ??= time.GetTimestamp() + (long)(_options.MaxBatchDelay.TotalSeconds * time.TimestampFrequency);
            }
        }
    }

    /// <summary>A record as it arrives, with what only the consuming thread can tell about it.</summary>
    private PendingRecord Pending(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> result)
    {
        // One TopicPartition per partition, not a new one per record held in the batch.
        var key = (result.Topic, result.Partition.Value);
        if (!_partitions.TryGetValue(key, out var tail))
        {
            _partitions[key] = tail = new PartitionTail(result.TopicPartition);
        }

        var offset = result.Offset.Value;
        return new PendingRecord(tail.Partition, offset, result, tail.MayHaveBeenRead(consumer, offset));
    }

    /// <summary>
    /// Finishes the writes that are done, oldest first, and with <paramref name="waitForRoom"/>
    /// waits for the oldest while no other write may start. A stored batch's offsets are due for
    /// commit. False if a batch was not stored (the service is stopping): the writes after it
    /// are then finished without their offsets, so nothing is committed past it.
    /// </summary>
    private async Task<bool> FinishWritesAsync(bool waitForRoom)
    {
        while (_writes.TryPeek(out var oldest) && (oldest.Writing.IsCompleted || (waitForRoom && _writes.Count >= MaxWritesInFlight)))
        {
            _writes.Dequeue();
            if (!await oldest.Writing)
            {
                await FinishAllWritesAsync(afterAFailure: true);
                return false;
            }

            _offsets.Stored(oldest.Batch);
            oldest.Batch.Clear();
            _spareLists.Push(oldest.Batch);
        }

        return true;
    }

    /// <summary>
    /// Waits for every write in flight, in order; only those stored before any that failed count
    /// (none when <paramref name="afterAFailure"/>: a write before them already failed).
    /// </summary>
    private async Task FinishAllWritesAsync(bool afterAFailure = false)
    {
        var stored = !afterAFailure;
        while (_writes.TryDequeue(out var write))
        {
            stored = await write.Writing && stored;
            if (stored)
            {
                _offsets.Stored(write.Batch);
            }

            write.Batch.Clear();
            _spareLists.Push(write.Batch);
        }
    }

    /// <summary>
    /// Partitions leave this member: commit what is stored (when still allowed), and forget the
    /// records read but not stored; their next owner reads them from the committed offset.
    /// </summary>
    private void GiveUp(IConsumer<byte[], byte[]> consumer, IEnumerable<TopicPartition> partitions, bool commitFirst)
    {
        // Called from inside Consume, on the consuming thread: let the batches in flight land first.
        FinishAllWritesAsync().GetAwaiter().GetResult();

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
