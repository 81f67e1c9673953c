namespace Mesh.Inference.Generation;

/// <summary>
/// A contiguous key-value cache of one sequence, sized once: [layer][key|value][head][position][head
/// size], so the past of each head is one block. Warm-up runs and tools use it; served sequences
/// hold blocks of their model's pool (<see cref="KvBlocks.KvSequence"/>).
/// </summary>
public sealed class KvCache(int layers, int heads, int headSize, int capacity) : IKvSequence
{
    private readonly float[] _data = new float[(long)layers * 2 * heads * capacity * headSize];

    public int Length { get; private set; }

    public int Capacity { get; } = capacity;

    public long Bytes => (long)_data.Length * sizeof(float);

    public void CopyPast(int layer, int kv, Span<float> destination, int past)
    {
        var block = Length * headSize;
        var rowBlock = past * headSize;
        for (var h = 0; h < heads; h++)
        {
            var head = destination.Slice(h * rowBlock, rowBlock);
            _data.AsSpan(Offset(layer, kv, h, 0), block).CopyTo(head);
            head[block..].Clear();
        }
    }

    public void Append(int layer, int kv, ReadOnlySpan<float> present, int total, int from, int count)
    {
        if (Length + count > Capacity)
        {
            throw new InvalidOperationException($"key-value cache full: {Length} + {count} positions exceed {Capacity}");
        }

        for (var h = 0; h < heads; h++)
        {
            present.Slice(((h * total) + from) * headSize, count * headSize).CopyTo(_data.AsSpan(Offset(layer, kv, h, Length)));
        }
    }

    public void Advance(int[] tokens) => Length += tokens?.Length ?? 0;

    private int Offset(int layer, int kv, int head, int position) => ((((((layer * 2) + kv) * heads) + head) * Capacity) + position) * headSize;
}
