using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Finds usage records the broker deleted (retention) before this group stored them. A
/// consumer whose next offset is no longer in the log gets the earliest record left
/// (<c>auto.offset.reset=earliest</c>) and nothing more than a client log line; billing data
/// must not vanish that quietly. So for each partition this tracks the offset it expects next:
/// the group's committed offset after an assignment, then the one after each record read. When
/// a record arrives past it and the log now starts beyond it, the records in between are gone:
/// they are logged at Critical with the range, counted in <c>mesh.usage.ingest.lost</c>, and
/// the ingestor's health turns Degraded (<see cref="UsageIngestHealthCheck"/>). A gap the log
/// still covers (a transaction marker, aborted records skipped under read_committed) loses
/// nothing and is not reported. Lives on the consuming thread only.
/// </summary>
/// <remarks>
/// Consuming goes on from the earliest record left after the report. Stopping would not bring
/// the deleted records back (they are gone from the broker; only the producers' own logs or
/// the services' traces can rebuild them), but it would stop billing every event that is still
/// there and let the lag grow until retention takes those too. So the loss is made loud and
/// lasting (log, metric, health) and billing keeps flowing.
/// </remarks>
public sealed partial class OffsetGapDetector(IngestMetrics metrics, ILogger logger)
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<(string Topic, int Partition), long> _next = [];
    private readonly HashSet<TopicPartition> _unresolved = [];

    /// <summary>
    /// Partitions newly assigned. Their committed offsets are read before their first record is
    /// checked, not here: this runs inside the rebalance callback.
    /// </summary>
    public void Assigned(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            _next.Remove((partition.Topic, partition.Partition.Value));
            _unresolved.Add(partition);
        }
    }

    /// <summary>The partitions are no longer this consumer's.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        foreach (var partition in partitions)
        {
            _next.Remove((partition.Topic, partition.Partition.Value));
            _unresolved.Remove(partition);
        }
    }

    /// <summary>A record was read: reports the records missing before it, if the broker deleted them.</summary>
    public void Consumed(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> record)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(record);
        if (_unresolved.Count > 0)
        {
            ResolveCommitted(consumer);
        }

        var key = (record.Topic, record.Partition.Value);
        var offset = record.Offset.Value;
        if (_next.TryGetValue(key, out var expected) && offset > expected)
        {
            CheckGap(consumer, record.TopicPartition, expected, offset);
        }

        _next[key] = offset + 1;
    }

    private void ResolveCommitted(IConsumer<byte[], byte[]> consumer)
    {
        var partitions = _unresolved.ToList();
        _unresolved.Clear();
        try
        {
            foreach (var committed in consumer.Committed(partitions, QueryTimeout))
            {
                // No committed offset: a new group starts at the earliest record; nothing was its own before.
                if (committed.Offset.Value >= 0)
                {
                    _next.TryAdd((committed.Topic, committed.Partition.Value), committed.Offset.Value);
                }
            }
        }
        catch (KafkaException ex)
        {
            LogCommittedUnknown(logger, partitions.Count, ex.Error.Reason);
        }
    }

    private void CheckGap(IConsumer<byte[], byte[]> consumer, TopicPartition partition, long expected, long offset)
    {
        // The log start the broker sent with this record's fetch; asked for only when unknown.
        var start = consumer.GetWatermarkOffsets(partition).Low;
        if (start == Offset.Unset)
        {
            try
            {
                start = consumer.QueryWatermarkOffsets(partition, QueryTimeout).Low;
            }
            catch (KafkaException ex)
            {
                LogGapUnchecked(logger, partition.Topic, partition.Partition.Value, expected, offset, ex.Error.Reason);
                return;
            }
        }

        if (start.Value <= expected)
        {
            return; // The log still holds the gap's offsets: markers or skipped records, not a loss.
        }

        var end = Math.Min(offset, start.Value);
        metrics.Lost(partition.Topic, partition.Partition.Value, expected, end);
        LogLost(logger, end - expected, partition.Topic, partition.Partition.Value, expected, end - 1, offset);
    }

    [LoggerMessage(EventId = 49, Level = LogLevel.Critical, Message = "{Count} usage records lost before ingestion: {Topic} partition {Partition} offsets {FirstOffset} to {LastOffset} were deleted by the broker (retention) before this group stored them; their usage and cost are missing from the store. Ingestion goes on from offset {ResumedAt}")]
    private static partial void LogLost(ILogger logger, long count, string topic, int partition, long firstOffset, long lastOffset, long resumedAt);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Could not read the committed offsets of {Count} usage partitions ({Reason}); records deleted before their first read are not detected")]
    private static partial void LogCommittedUnknown(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Usage records at {Topic} partition {Partition} offsets {Expected} to {Offset} were skipped and the log start could not be read ({Reason}); whether they were lost is unknown")]
    private static partial void LogGapUnchecked(ILogger logger, string topic, int partition, long expected, long offset, string reason);
}
