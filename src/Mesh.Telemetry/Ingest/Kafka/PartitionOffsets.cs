using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// This consumer's offsets per partition: those stored in the usage store and due for commit,
/// and those Kafka has committed. Lives on the consuming thread only.
/// </summary>
public sealed partial class PartitionOffsets(ILogger logger)
{
    private readonly Dictionary<TopicPartition, Offset> _due = [];
    private readonly Dictionary<TopicPartition, Offset> _committed = [];

    /// <summary>A batch is in the store: the offsets after its records are due for commit.</summary>
    public void Stored(IEnumerable<PendingRecord> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var record in batch)
        {
            if (!_due.TryGetValue(record.Partition, out var due) || due.Value <= record.Offset)
            {
                _due[record.Partition] = record.Offset + 1;
            }
        }
    }

    /// <summary>Commits what is due; on failure it stays due and goes with the next commit.</summary>
    public void Commit(IConsumer<byte[], byte[]> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        if (_due.Count == 0)
        {
            return;
        }

        var offsets = _due.Select(o => new TopicPartitionOffset(o.Key, o.Value)).ToList();
        try
        {
            consumer.Commit(offsets);
            foreach (var offset in offsets)
            {
                _committed[offset.TopicPartition] = offset.Offset;
                if (_due.TryGetValue(offset.TopicPartition, out var due) && due == offset.Offset)
                {
                    _due.Remove(offset.TopicPartition);
                }
            }
        }
        catch (KafkaException ex)
        {
            LogCommitFailed(logger, offsets.Count, ex.Error.Code, ex.Error.Reason);
        }
    }

    /// <summary>The partitions are no longer this consumer's.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _due.Remove(partition);
            _committed.Remove(partition);
        }
    }

    /// <summary>Records in the assigned partitions past what this consumer committed (from cached watermarks, no request).</summary>
    public long Lag(IConsumer<byte[], byte[]> consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
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

        return lag;
    }

    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "Committing offsets of {Count} partitions failed ({Code}: {Reason}); they go with the next commit")]
    private static partial void LogCommitFailed(ILogger logger, int count, ErrorCode code, string reason);
}
