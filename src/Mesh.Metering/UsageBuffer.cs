using System.Threading.Channels;
using System.Buffers;
using Google.Protobuf;
using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Errors;
using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Metering;

/// <summary>
/// An event waiting to be shipped (with a spool: the bytes the spool wrote, shipped as they
/// are), and the spool segment that keeps it until the sink has it.
/// </summary>
public readonly record struct BufferedUsage(EncodedUsage Usage, SpoolSegment? Segment)
{
    /// <summary>The event (parsed from its bytes when only those are kept).</summary>
    public UsageEvent Event => Usage.Event;
}

/// <summary>
/// The bounded buffer between request paths and the shipper. An event is bounded
/// (<see cref="UsageEventLimits"/>), written to the spool, then queued; only then does the call
/// that made it complete, so a crash loses nothing billed. When
/// <see cref="UsageOptions.BufferCapacity"/> events wait already, a publisher waits a short while
/// (back-pressure) and then gets ResourceExhausted: usage is never dropped silently.
/// </summary>
public sealed class UsageBuffer : IUsagePublisher, IDisposable
{
    private readonly Channel<BufferedUsage> _channel = Channel.CreateUnbounded<BufferedUsage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _space;
    private readonly UsageOptions _options;
    private readonly TimeProvider _time;
    private readonly UsageSpool? _spool;
    private readonly PayloadBlocks _payloads = new();
    private volatile bool _completed;

    public UsageBuffer(IOptions<UsageOptions> options, TimeProvider time, UsageSpool? spool = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _spool = spool;
        _space = new SemaphoreSlim(_options.BufferCapacity, _options.BufferCapacity);
    }

    /// <summary>Events waiting to be shipped.</summary>
    public int Count => _options.BufferCapacity - _space.CurrentCount;

    public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        UsageEventLimits.Bound(usageEvent);
        return _space.Wait(0, CancellationToken.None) ? Enqueue(usageEvent) : WaitForSpaceAsync(usageEvent, cancellationToken);
    }

    /// <summary>Takes a waiting event, freeing its room.</summary>
    public bool TryTake(out BufferedUsage usage)
    {
        if (!_channel.Reader.TryRead(out usage))
        {
            return false;
        }

        _space.Release();
        return true;
    }

    /// <summary>
    /// Moves waiting events into <paramref name="batch"/> until it holds <paramref name="maxCount"/>
    /// or their serialized size reaches <paramref name="maxBytes"/> (counting from <paramref name="bytes"/>),
    /// freeing their room at once rather than event by event.
    /// </summary>
    public void TakeInto(List<BufferedUsage> batch, int maxCount, long maxBytes, ref long bytes)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var taken = 0;
        while (batch.Count < maxCount && bytes < maxBytes && _channel.Reader.TryRead(out var usage))
        {
            batch.Add(usage);
            bytes += usage.Usage.Size;
            taken++;
        }

        if (taken > 0)
        {
            _space.Release(taken);
        }
    }

    /// <summary>Waits until an event can be taken; false once the buffer is completed and empty.</summary>
    public ValueTask<bool> WaitToTakeAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Whether <see cref="Complete"/> was called: no more events will come.</summary>
    public bool IsCompleted => _completed;

    /// <summary>Stops accepting events; the shipper drains what is left.</summary>
    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
    }

    public void Dispose() => _space.Dispose();

    private ValueTask Enqueue(UsageEvent usageEvent)
    {
        SpoolSegment? segment = null;
        var usage = new EncodedUsage(usageEvent);
        try
        {
            if (_spool is not null)
            {
                // Serialized once: the spool keeps these bytes and the sink ships the same ones;
                // the buffer holds only them (in a reused block), not the event's objects.
                var size = usageEvent.CalculateSize();
                var rented = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    var payload = rented.AsSpan(0, size);
                    usageEvent.WriteTo(payload);
                    segment = _spool.Append(payload);
                    usage = _payloads.Store(payload, usageEvent.TenantId);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _space.Release();
            throw MeshErrors.Unavailable($"usage cannot be written to the spool ({ex.Message}); retry on another instance");
        }

        if (!_channel.Writer.TryWrite(new BufferedUsage(usage, segment)))
        {
            _space.Release();
            throw MeshErrors.Unavailable("the service is shutting down; retry on another instance");
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask WaitForSpaceAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.FullBufferWait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _space.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw MeshErrors.ResourceExhausted(
                $"the usage buffer is full ({_options.BufferCapacity} events waiting for telemetry); retry later");
        }

        await Enqueue(usageEvent);
    }
}
