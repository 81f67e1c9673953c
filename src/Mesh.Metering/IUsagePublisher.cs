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
    /// <paramref name="firstSend"/> is true when no event of the batch was handed to a sink
    /// before (not a retry, not half of a refused batch, not a replay from the spool): a sink may
    /// pass that on, so the store need not look those events up among what it already has.
    /// </summary>
    Task<UsageDelivery> DeliverAsync(IReadOnlyList<EncodedUsage> batch, bool firstSend, CancellationToken cancellationToken)
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
/// its protobuf bytes and tenant, the bytes in an array of their own or in a shared
/// <see cref="PayloadBlocks"/> block. Waiting events then hold no graph of strings and messages,
/// which keeps a full buffer cheap for the garbage collector.
/// </summary>
public readonly struct EncodedUsage : IEquatable<EncodedUsage>
{
    private readonly UsageEvent? _event;
    private readonly byte[]? _bytes;
    private readonly PayloadBlock? _block;
    private readonly int _offset;
    private readonly int _length;

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
        _bytes = payload;
        _length = payload.Length;
        TenantId = tenantId;
    }

    internal EncodedUsage(PayloadBlock block, int offset, int length, string tenantId)
    {
        _block = block;
        _bytes = block.Bytes;
        _offset = offset;
        _length = length;
        TenantId = tenantId;
    }

    public string TenantId { get; }

    /// <summary>Whether the event is kept as its protobuf bytes.</summary>
    public bool IsSerialized => _bytes is not null;

    /// <summary>The protobuf bytes, empty when the event was not serialized.</summary>
    public ReadOnlySpan<byte> Payload => _bytes is null ? default : _bytes.AsSpan(_offset, _length);

    /// <summary>The event; parsed from the bytes at each call when only those are kept.</summary>
    public UsageEvent Event => _event ?? UsageEvent.Parser.ParseFrom(Payload);

    /// <summary>The serialized size.</summary>
    public int Size => _bytes is null ? _event!.CalculateSize() : _length;

    /// <summary>The protobuf bytes in an array of their own (a copy when they are kept in a block).</summary>
    public byte[] ToByteArray() => _bytes is null ? _event!.ToByteArray() : _block is null ? _bytes : Payload.ToArray();

    /// <summary>
    /// The protobuf bytes with <see cref="UsageEvent.FirstSend"/> set, appended as one more field:
    /// protobuf merges concatenated messages, so the event is not serialized again.
    /// </summary>
    public byte[] ToFirstSendByteArray()
    {
        var bytes = new byte[Size + FirstSendField.Length];
        if (_bytes is null)
        {
            _event!.WriteTo(bytes.AsSpan(0, bytes.Length - FirstSendField.Length));
        }
        else
        {
            Payload.CopyTo(bytes);
        }

        FirstSendField.CopyTo(bytes.AsSpan(bytes.Length - FirstSendField.Length));
        return bytes;
    }

    private static readonly byte[] FirstSendField = new UsageEvent { FirstSend = true }.ToByteArray();

    /// <summary>The sink has the event: a block may reuse its bytes. Called once, after delivery.</summary>
    public void Release() => _block?.Release();

    public bool Equals(EncodedUsage other) =>
        ReferenceEquals(_event, other._event) && ReferenceEquals(_bytes, other._bytes) && _offset == other._offset && _length == other._length;

    public override bool Equals(object? obj) => obj is EncodedUsage other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_event, _bytes, _offset);

    public static bool operator ==(EncodedUsage left, EncodedUsage right) => left.Equals(right);

    public static bool operator !=(EncodedUsage left, EncodedUsage right) => !left.Equals(right);
}

/// <summary>The sink refused a batch as it is: retrying it unchanged can never succeed.</summary>
public sealed class UsageRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the store did with a delivered batch.</summary>
public sealed record UsageDelivery(int Stored, int Duplicates, IReadOnlyList<(string EventId, string Reason)> Rejected);
