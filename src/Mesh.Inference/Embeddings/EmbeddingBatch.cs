namespace Mesh.Inference.Embeddings;

/// <summary>What one model run produced: a unit vector and a token count per input.</summary>
public sealed record EmbeddingBatch(float[][] Vectors, int[] TokenCounts, int TruncatedInputs, TimeSpan ComputeTime)
{
    public long InputTokens => TokenCounts.Sum(c => (long)c);
}
