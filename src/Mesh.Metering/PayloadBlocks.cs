namespace Mesh.Metering;

/// <summary>
/// Keeps the protobuf bytes of waiting usage events in large blocks that are reused, instead of
/// one array per event. A full buffer then holds a few long-lived arrays without references in
/// them, which the garbage collector neither copies nor scans; an array per event would live
/// just long enough to be promoted and collected again, at every collection, under load.
/// </summary>
public sealed class PayloadBlocks
{
    /// <summary>Bytes per block; an event larger than a quarter of it gets an array of its own.</summary>
    public const int BlockBytes = 1024 * 1024;

    private const int MaxFreeBlocks = 32;
    private const int MaxTenants = 10_000;
    private readonly Lock _lock = new();
    private readonly Stack<PayloadBlock> _free = new();
    private readonly Dictionary<string, string> _tenants = new(StringComparer.Ordinal);
    private PayloadBlock? _current;

    /// <summary>Copies <paramref name="payload"/> into a block; the event's bytes stay there until <see cref="EncodedUsage.Release"/>.</summary>
    public EncodedUsage Store(ReadOnlySpan<byte> payload, string tenantId)
    {
        if (payload.Length > BlockBytes / 4)
        {
            return new EncodedUsage(payload.ToArray(), tenantId);
        }

        lock (_lock)
        {
            if (_current is null || !_current.Fits(payload.Length))
            {
                _current?.Seal();
                _current = _free.TryPop(out var reused) ? reused : new PayloadBlock(this);
                _current.Open();
            }

            return new EncodedUsage(_current, _current.Append(payload), payload.Length, Tenant(tenantId));
        }
    }

    /// <summary>Blocks whose events were all delivered, waiting to be reused.</summary>
    public int FreeBlocks
    {
        get
        {
            lock (_lock)
            {
                return _free.Count;
            }
        }
    }

    /// <summary>
    /// One string per tenant for waiting events (up to <see cref="MaxTenants"/>), so an event's
    /// own tenant string dies with the event instead of living on in the buffer.
    /// </summary>
    private string Tenant(string tenantId)
    {
        if (_tenants.TryGetValue(tenantId, out var kept))
        {
            return kept;
        }

        if (_tenants.Count < MaxTenants)
        {
            _tenants[tenantId] = tenantId;
        }

        return tenantId;
    }

    internal void Recycle(PayloadBlock block)
    {
        lock (_lock)
        {
            if (_free.Count < MaxFreeBlocks)
            {
                _free.Push(block);
            }
        }
    }
}

/// <summary>One block of <see cref="PayloadBlocks"/>: filled once, then reused when every event in it was delivered.</summary>
public sealed class PayloadBlock
{
    private readonly PayloadBlocks _owner;
    private int _used;
    private int _pending;
    private int _sealed;
    private int _recycled;

    internal PayloadBlock(PayloadBlocks owner) => _owner = owner;

    internal byte[] Bytes { get; } = new byte[PayloadBlocks.BlockBytes];

    internal bool Fits(int length) => _used + length <= Bytes.Length;

    /// <summary>Made the current block (under the owner's lock): empty, nothing pending.</summary>
    internal void Open()
    {
        _used = 0;
        Volatile.Write(ref _pending, 0);
        Volatile.Write(ref _sealed, 0);
        Volatile.Write(ref _recycled, 0);
    }

    /// <summary>Copies an event's bytes in (under the owner's lock); returns where they start.</summary>
    internal int Append(ReadOnlySpan<byte> payload)
    {
        var offset = _used;
        payload.CopyTo(Bytes.AsSpan(offset));
        _used += payload.Length;
        Interlocked.Increment(ref _pending);
        return offset;
    }

    /// <summary>Nothing more is written to it (under the owner's lock).</summary>
    internal void Seal()
    {
        Volatile.Write(ref _sealed, 1);
        RecycleIfDone();
    }

    /// <summary>An event of this block was delivered: its bytes are no longer needed.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            RecycleIfDone();
        }
    }

    private void RecycleIfDone()
    {
        if (Volatile.Read(ref _sealed) == 1 && Volatile.Read(ref _pending) == 0 && Interlocked.Exchange(ref _recycled, 1) == 0)
        {
            _owner.Recycle(this);
        }
    }
}
