namespace Mesh.Inference.Embeddings;

/// <summary>
/// What the model produced for one call: a unit vector and a token count per input, and the
/// call's share of device time (its tokens' share of each batched run it was part of).
/// </summary>
public sealed record EmbeddingBatch(float[][] Vectors, int[] TokenCounts, int TruncatedInputs, TimeSpan ComputeTime)
{
    public long InputTokens => TokenCounts.Sum(c => (long)c);

    /// <summary>Rows in the largest model run the inputs were part of.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>From queueing to the first run that took the inputs.</summary>
    public TimeSpan QueueTime { get; init; }
}
