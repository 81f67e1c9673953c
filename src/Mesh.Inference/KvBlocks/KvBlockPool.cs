namespace Mesh.Inference.KvBlocks;

/// <summary>
/// The memory of a model replica's key-value blocks: a fixed number of blocks (the budget over
/// the block size), stored in segments of up to 64 MiB that are allocated when a block in them is
/// first handed out, so the pool holds what its busiest moment needed, never more than the budget.
/// </summary>
public sealed class KvBlockPool
{
    private const long SegmentBytes = 64L << 20;
    private readonly float[]?[] _segments;
    private readonly int _blocksPerSegment;
    private long _allocatedBytes;

    public KvBlockPool(KvLayout layout, int blocks)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        Layout = layout;
        Blocks = blocks;
        _blocksPerSegment = (int)Math.Clamp(SegmentBytes / layout.BlockBytes, 1, blocks);
        _segments = new float[]?[(blocks + _blocksPerSegment - 1) / _blocksPerSegment];
    }

    public KvLayout Layout { get; }

    public int Blocks { get; }

    /// <summary>Bytes the whole pool may take.</summary>
    public long BudgetBytes => Blocks * Layout.BlockBytes;

    /// <summary>Bytes of the segments allocated so far.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocatedBytes);

    /// <summary>The floats of block <paramref name="block"/>.</summary>
    public Span<float> Block(int block)
    {
        var segment = _segments[block / _blocksPerSegment] ?? Allocate(block / _blocksPerSegment);
        return segment.AsSpan(block % _blocksPerSegment * Layout.BlockFloats, Layout.BlockFloats);
    }

    private float[] Allocate(int index)
    {
        var blocks = Math.Min(_blocksPerSegment, Blocks - (index * _blocksPerSegment));
        var segment = new float[(long)blocks * Layout.BlockFloats];
        _segments[index] = segment;
        Interlocked.Add(ref _allocatedBytes, (long)segment.Length * sizeof(float));
        return segment;
    }
}
