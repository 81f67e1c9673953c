using Confluent.Kafka;
using Google.Protobuf;
using Mesh.Telemetry.Storage;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>Turns a Kafka record into a priced usage record, or the reason it goes to the dead-letter topic.</summary>
public sealed class UsageMessageDecoder(UsageEventConverter converter)
{
    public bool TryDecode(ConsumeResult<byte[], byte[]> message, out UsageRecord? record, out string reason)
    {
        ArgumentNullException.ThrowIfNull(message);
        record = null;
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

        if (converter.TryConvert(usageEvent, out record, out reason))
        {
            return true;
        }

        reason = "invalid: " + reason;
        return false;
    }
}
