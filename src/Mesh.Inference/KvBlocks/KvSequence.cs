using Mesh.Inference.Generation;

namespace Mesh.Inference.KvBlocks;

/// <summary>
/// A sequence's block table: the blocks of its model's pool that hold its positions, in order,
/// some possibly shared with other sequences through the prefix cache. It reads and writes only
/// positions below its own length; the <see cref="KvBlockManager"/> makes every block it writes
/// its own first (copy on write).
/// </summary>
public sealed class KvSequence : IKvSequence
{
    private readonly KvBlockPool _pool;
    private readonly List<int> _tokens;

    internal KvSequence(KvBlockPool pool, List<int> blocks, int[] prompt, int cached, int capacity)
    {
        _pool = pool;
        Blocks = blocks;
        _tokens = [.. prompt.AsSpan(0, cached)];
        Length = cached;
        CachedTokens = cached;
        Capacity = capacity;
        PeakBlocks = blocks.Count;
    }

    public int Length { get; private set; }

    /// <summary>The most positions it may hold (its prompt plus its token budget, within the context).</summary>
    public int Capacity { get; }

    /// <summary>Prompt positions that came from the prefix cache (their prefill was skipped).</summary>
    public int CachedTokens { get; }

    /// <summary>Blocks it holds now.</summary>
    public int BlockCount => Blocks.Count;

    /// <summary>The most blocks it held at once.</summary>
    public int PeakBlocks { get; internal set; }

    /// <summary>The tokens whose keys and values it holds, one per position.</summary>
    public IReadOnlyList<int> Tokens => _tokens;

    internal List<int> Blocks { get; }

    /// <summary>Leading full blocks registered in (or taken from) the prefix cache.</summary>
    internal int Committed { get; set; }

    /// <summary>The prefix cache's hash of the tokens of the committed blocks.</summary>
    internal ulong ChainHash { get; set; } = KvBlockManager.RootHash;

    internal bool Released { get; set; }

    public void CopyPast(int layer, int kv, Span<float> destination, int past)
    {
        var layout = _pool.Layout;
        var (size, tokens) = (layout.HeadSize, layout.BlockTokens);
        for (var h = 0; h < layout.Heads; h++)
        {
            var head = destination.Slice(h * past * size, past * size);
            for (var (position, b) = (0, 0); position < Length; position += tokens, b++)
            {
                var count = Math.Min(tokens, Length - position);
                _pool.Block(Blocks[b]).Slice(layout.Offset(layer, kv, h, 0), count * size).CopyTo(head[(position * size)..]);
            }

            head[(Length * size)..].Clear();
        }
    }

    public void Append(int layer, int kv, ReadOnlySpan<float> present, int total, int from, int count)
    {
        var layout = _pool.Layout;
        var (size, tokens) = (layout.HeadSize, layout.BlockTokens);
        if (Length + count > Blocks.Count * tokens)
        {
            throw new InvalidOperationException($"key-value blocks not reserved: {Length} + {count} positions exceed {Blocks.Count} blocks of {tokens}");
        }

        for (var h = 0; h < layout.Heads; h++)
        {
            for (var written = 0; written < count;)
            {
                var position = Length + written;
                var within = position % tokens;
                var run = Math.Min(count - written, tokens - within);
                present.Slice(((h * total) + from + written) * size, run * size)
                    .CopyTo(_pool.Block(Blocks[position / tokens])[layout.Offset(layer, kv, h, within)..]);
                written += run;
            }
        }
    }

    public void Advance(int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens.AddRange(tokens);
        Length += tokens.Length;
    }
}
