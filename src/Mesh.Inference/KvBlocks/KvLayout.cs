namespace Mesh.Inference.KvBlocks;

/// <summary>
/// The shape of a decoder's key-value cache in blocks: a block holds <see cref="BlockTokens"/>
/// positions of every layer's keys and values, laid out [layer][key|value][head][position][head size]
/// so that one head's positions within a block are contiguous.
/// </summary>
public sealed record KvLayout(int Layers, int Heads, int HeadSize, int BlockTokens)
{
    /// <summary>Floats in one block.</summary>
    public int BlockFloats => Layers * 2 * Heads * BlockTokens * HeadSize;

    public long BlockBytes => (long)BlockFloats * sizeof(float);

    /// <summary>Blocks a sequence of <paramref name="tokens"/> positions needs.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockTokens - 1) / BlockTokens;

    /// <summary>Where position <paramref name="position"/> (within the block) of a head starts in a block.</summary>
    public int Offset(int layer, int kv, int head, int position) => ((((((layer * 2) + kv) * Heads) + head) * BlockTokens) + position) * HeadSize;
}
