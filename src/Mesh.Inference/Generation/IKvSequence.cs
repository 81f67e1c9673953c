namespace Mesh.Inference.Generation;

/// <summary>
/// One sequence's key-value cache as a decoder step reads and extends it: the cached positions
/// are copied into the step's past tensor, and the step's new positions appended.
/// </summary>
public interface IKvSequence
{
    /// <summary>Positions cached.</summary>
    int Length { get; }

    /// <summary>
    /// Copies the cached positions of one layer's keys (kv 0) or values (kv 1) into a [heads, past,
    /// head size] block and zeroes the positions past this sequence's length (masked, but a masked
    /// position still enters the attention scores: left as whatever a pooled buffer held, a huge value
    /// there makes the scores infinite and the row's logits NaN).
    /// </summary>
    void CopyPast(int layer, int kv, Span<float> destination, int past);

    /// <summary>Writes positions [from, from + count) of a [heads, total, head size] present block after the cached ones.</summary>
    void Append(int layer, int kv, ReadOnlySpan<float> present, int total, int from, int count);

    /// <summary>Marks the appended positions of <paramref name="tokens"/> as cached (after every layer got them).</summary>
    void Advance(int[] tokens);
}
