using Confluent.Kafka;
using Google.Protobuf;
using Mesh.Telemetry.Storage;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Turns a Kafka record into a priced usage record, or the reason it goes to the dead-letter topic.
/// The common event is read in place (<see cref="UsageWireReader"/>); any other is parsed in full.
/// </summary>
public sealed class UsageMessageDecoder(UsageEventConverter converter)
{
    private readonly UsageWireReader _wire = new(converter);

    /// <summary>
    /// Decodes <paramref name="message"/>. <paramref name="readBefore"/>: the record may have
    /// reached an ingestor already (it lies in its partition's uncommitted tail from before this
    /// member's assignment); unless so, an event its producer marked as a first send
    /// (<see cref="UsageEvent.FirstSend"/>) is known to arrive for the first time
    /// (<see cref="UsageRecord.FirstArrival"/>).
    /// </summary>
    public bool TryDecode(ConsumeResult<byte[], byte[]> message, bool readBefore, out UsageRecord? record, out string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_wire.TryRead(message.Message.Value, readBefore, out record))
        {
            reason = "";
            return true;
        }

        UsageEvent usageEvent;
        try
        {
            usageEvent = UsageEvent.Parser.ParseFrom(message.Message.Value ?? []);
        }
        catch (InvalidProtocolBufferException ex)
        {
            reason = $"undecodable: not a mesh.usage.v1.UsageEvent ({ex.Message})";
            return false;
        }

        var firstArrival = !readBefore && usageEvent.FirstSend;
        if (converter.TryConvert(usageEvent, out record, out reason, firstArrival))
        {
            return true;
        }

        reason = "invalid: " + reason;
        return false;
    }
}
