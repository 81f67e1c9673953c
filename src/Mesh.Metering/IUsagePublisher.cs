using Google.Protobuf;
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

/// <summary>
/// A usage event on its way to a sink: either the event, or (once the spool serialized it) only
/// its protobuf bytes and tenant. Waiting events hold one array each instead of a graph of
/// strings and messages, which keeps a full buffer cheap for the garbage collector.
/// </summary>
public readonly struct EncodedUsage : IEquatable<EncodedUsage>
{
    private readonly UsageEvent? _event;

    /// <summary>An event not serialized yet.</summary>
    public EncodedUsage(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        _event = usageEvent;
        TenantId = usageEvent.TenantId;
    }

    /// <summary>An event kept as its protobuf bytes (never changed after).</summary>
    public EncodedUsage(byte[] payload, string tenantId)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(tenantId);
        Payload = payload;
        TenantId = tenantId;
    }

    /// <summary>The protobuf bytes, or null when the event was not serialized.</summary>
    public byte[]? Payload { get; }

    public string TenantId { get; }

    /// <summary>The event; parsed from <see cref="Payload"/> at each call when only the bytes are kept.</summary>
    public UsageEvent Event => _event ?? UsageEvent.Parser.ParseFrom(Payload);

    /// <summary>The serialized size.</summary>
    public int Size => Payload?.Length ?? _event!.CalculateSize();

    /// <summary>The protobuf bytes: <see cref="Payload"/>, or the event serialized now.</summary>
    public byte[] ToByteArray() => Payload ?? _event!.ToByteArray();

    public bool Equals(EncodedUsage other) => ReferenceEquals(_event, other._event) && ReferenceEquals(Payload, other.Payload);

    public override bool Equals(object? obj) => obj is EncodedUsage other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_event, Payload);

    public static bool operator ==(EncodedUsage left, EncodedUsage right) => left.Equals(right);

    public static bool operator !=(EncodedUsage left, EncodedUsage right) => !left.Equals(right);
}

/// <summary>The sink refused a batch as it is: retrying it unchanged can never succeed.</summary>
public sealed class UsageRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the store did with a delivered batch.</summary>
public sealed record UsageDelivery(int Stored, int Duplicates, IReadOnlyList<(string EventId, string Reason)> Rejected);
