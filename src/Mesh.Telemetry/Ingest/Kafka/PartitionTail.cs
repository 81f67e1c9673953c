using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// One assigned partition, and where its records may have been read before this member got it:
/// below the partition's end as this member first learns it lies the tail an earlier owner may
/// have stored without committing. Records past that end arrive for the first time.
/// </summary>
internal sealed class PartitionTail(TopicPartition partition)
{
    private long _end = Offset.Unset.Value;

    public TopicPartition Partition { get; } = partition;

    /// <summary>True when the record at <paramref name="offset"/> may have been read by an earlier owner.</summary>
    public bool MayHaveBeenRead(IConsumer<byte[], byte[]> consumer, long offset)
    {
        if (_end < 0)
        {
            // The end the last fetch reported, kept by librdkafka: no round trip. It can only be
            // later than the end at assignment, which errs on the side of looking records up.
            var end = consumer.GetWatermarkOffsets(Partition).High.Value;
            if (end < 0)
            {
                return true;
            }

            _end = end;
        }

        return offset < _end;
    }
}
