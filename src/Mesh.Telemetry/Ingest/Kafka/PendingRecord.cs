using Confluent.Kafka;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// A record read from the usage topic and decoded on arrival, waiting for its batch to be
/// written: where it came from, and either the usage record to store or the original Kafka
/// record with the reason it goes to the dead-letter topic. Good records keep nothing of the
/// Kafka record, so a large batch in flight holds few objects.
/// </summary>
public readonly record struct PendingRecord(
    TopicPartition Partition,
    long Offset,
    UsageRecord? Record,
    ConsumeResult<byte[], byte[]>? Rejected = null,
    string? Reason = null);
