using Confluent.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// A record read from the usage topic, waiting for its batch to be written: where it came
/// from, the Kafka record itself, and whether an earlier owner of its partition may have read
/// it (<see cref="PartitionTail"/>, known only on the consuming thread). It is decoded when its
/// batch is written, beside the consuming of the next batch.
/// </summary>
public readonly record struct PendingRecord(TopicPartition Partition, long Offset, ConsumeResult<byte[], byte[]> Message, bool ReadBefore);
