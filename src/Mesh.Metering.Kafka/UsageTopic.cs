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
    public const string DeadLetterReasonHeader = "mesh-dlq-reason";
    public const string DeadLetterSourceHeader = "mesh-dlq-source";
}
