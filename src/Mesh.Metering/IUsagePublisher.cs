using Mesh.Usage.V1;

namespace Mesh.Metering;

/// <summary>
/// Accepts usage events for delivery to telemetry. Publishing never waits on the network: it
/// returns as soon as the event is buffered, and fails loudly when it cannot be buffered.
/// </summary>
public interface IUsagePublisher
{
    ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken);
}

/// <summary>Where buffered usage events are delivered (telemetry over gRPC, or Kafka).</summary>
public interface IUsageSink
{
    /// <summary>
    /// Delivers a batch. Events the store will never take come back in
    /// <see cref="UsageDelivery.Rejected"/>; a batch refused whole as it is (too large, malformed)
    /// throws <see cref="UsageRefusedException"/>; any other failure throws and the batch is retried.
    /// </summary>
    Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken);

    /// <summary>
    /// Delivers a batch whose events may come serialized already (as the spool wrote them); a
    /// sink that sends protobuf sends those bytes instead of serializing each event again.
    /// </summary>
    Task<UsageDelivery> DeliverAsync(IReadOnlyList<EncodedUsage> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var events = new UsageEvent[batch.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = batch[i].Event;
        }

        return DeliverAsync(events, cancellationToken);
    }
}

/// <summary>A usage event and, when it was serialized already, its protobuf bytes (never changed after).</summary>
public readonly record struct EncodedUsage(UsageEvent Event, byte[]? Payload)
{
    /// <summary>The serialized size, computed only when the event was not serialized yet.</summary>
    public int Size => Payload?.Length ?? Event.CalculateSize();
}

/// <summary>The sink refused a batch as it is: retrying it unchanged can never succeed.</summary>
public sealed class UsageRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the store did with a delivered batch.</summary>
public sealed record UsageDelivery(int Stored, int Duplicates, IReadOnlyList<(string EventId, string Reason)> Rejected);
