namespace Mesh.Metering.Kafka;

/// <summary>The usage producer (<c>Mesh:Usage:Kafka</c>).</summary>
public sealed class KafkaUsageOptions
{
    public const string SectionName = "Mesh:Usage:Kafka";

    public string Topic { get; set; } = UsageTopic.Name;

    /// <summary>How long the producer gathers events into one request.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long an event may wait for Kafka before its batch fails and is retried whole.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Adds <c>content-type</c>, <c>mesh-event-id</c> and <c>traceparent</c> headers to each record,
    /// for consumers that route or trace by Kafka headers. Off by default: the event carries its id
    /// and trace id itself, and headers cost the producer about half its throughput.
    /// </summary>
    public bool Headers { get; set; }

    /// <summary>Extra librdkafka producer settings (security, compression, ...), applied last.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];
}
