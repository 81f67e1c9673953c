namespace Mesh.Metering.Kafka;

/// <summary>The Kafka topics and headers usage travels with in distributed mode.</summary>
public static class UsageTopic
{
    /// <summary>The connection string (<c>ConnectionStrings:kafka</c>) naming the bootstrap servers.</summary>
    public const string ConnectionName = "kafka";

    /// <summary>Usage events: key = tenant id, value = a <c>mesh.usage.v1.UsageEvent</c> in protobuf.</summary>
    public const string Name = "mesh.usage.v1";

    /// <summary>Records the ingestor could not store, unchanged, with the reason in a header.</summary>
    public const string DeadLetterName = "mesh.usage.v1.dlq";

    public const string ContentType = "application/x-protobuf; messageType=mesh.usage.v1.UsageEvent";

    public const string ContentTypeHeader = "content-type";
    public const string EventIdHeader = "mesh-event-id";
    public const string TraceParentHeader = "traceparent";

    /// <summary>
    /// On a record whose event its producer had never sent before (no retry, no replay from the
    /// spool), with an empty value: the ingestor need not look that event up among those stored,
    /// unless the record itself may have been read before (a partition's uncommitted tail). A
    /// producer that cannot tell leaves it off, and the ingestor looks the event up.
    /// </summary>
    public const string FirstSendHeader = "mesh-first-send";

    public const string DeadLetterReasonHeader = "mesh-dlq-reason";
    public const string DeadLetterSourceHeader = "mesh-dlq-source";
}
