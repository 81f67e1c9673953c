namespace Mesh.Inference.Generation;

/// <summary>
/// The key-value cache of one sequence, sized once for its prompt plus its token budget:
/// [layer][key|value][head][position][head size], so the past of each head is one block.
/// </summary>
public sealed class KvCache(int layers, int heads, int headSize, int capacity)
{
    private readonly float[] _data = new float[(long)layers * 2 * heads * capacity * headSize];

    public int Length { get; private set; }

    public int Capacity { get; } = capacity;

    public long Bytes => (long)_data.Length * sizeof(float);

    /// <summary>
    /// Copies the cached positions of one layer's keys (kv 0) or values (kv 1) into a [heads, past,
    /// head size] block, and zeroes the positions past this sequence's length. Those are masked out,
    /// but a masked position still enters the attention scores: left as whatever a pooled buffer held,
    /// a huge value there makes the scores infinite and the row's logits NaN.
    /// </summary>
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

    /// <summary>Appends positions [from, from + count) of a [heads, total, head size] present block.</summary>
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

    /// <summary>Marks <paramref name="count"/> appended positions as cached (after every layer got them).</summary>
    public void Advance(int count) => Length += count;

    private int Offset(int layer, int kv, int head, int position) => ((((((layer * 2) + kv) * heads) + head) * Capacity) + position) * headSize;
}
