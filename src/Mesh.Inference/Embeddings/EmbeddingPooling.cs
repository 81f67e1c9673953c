using System.Numerics.Tensors;

namespace Mesh.Inference.Embeddings;

/// <summary>
/// Sentence-transformers pooling: the mean of the token vectors the attention mask keeps,
/// scaled to unit length so a dot product is the cosine similarity.
/// </summary>
public static class EmbeddingPooling
{
    /// <summary>
    /// Pools <paramref name="hidden"/> ([batch, sequence, dimensions], row-major) over
    /// <paramref name="mask"/> ([batch, sequence]) into one unit vector per input.
    /// </summary>
    public static float[][] MeanPoolNormalized(ReadOnlySpan<float> hidden, ReadOnlySpan<long> mask, int batchSize, int sequenceLength, int dimensions)
    {
        if (hidden.Length != batchSize * sequenceLength * dimensions || mask.Length != batchSize * sequenceLength)
        {
            throw new ArgumentException(
                $"hidden state has {hidden.Length} values and mask {mask.Length}; [{batchSize}, {sequenceLength}, {dimensions}] needs {batchSize * sequenceLength * dimensions} and {batchSize * sequenceLength}");
        }

        var vectors = new float[batchSize][];
        for (var b = 0; b < batchSize; b++)
        {
            vectors[b] = new float[dimensions];
            MeanPool(
                hidden.Slice(b * sequenceLength * dimensions, sequenceLength * dimensions),
                mask.Slice(b * sequenceLength, sequenceLength),
                vectors[b]);
            Normalize(vectors[b]);
        }

        return vectors;
    }

    /// <summary>Averages the rows of <paramref name="tokens"/> ([sequence, dimensions]) whose mask is set.</summary>
    public static void MeanPool(ReadOnlySpan<float> tokens, ReadOnlySpan<long> mask, Span<float> destination)
    {
        var dimensions = destination.Length;
        destination.Clear();
        var kept = 0;
        for (var t = 0; t < mask.Length; t++)
        {
            if (mask[t] != 0)
            {
                TensorPrimitives.Add(destination, tokens.Slice(t * dimensions, dimensions), destination);
                kept++;
            }
        }

        if (kept > 0)
        {
            TensorPrimitives.Divide(destination, kept, destination);
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit L2 norm; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm<float>(vector);
        if (norm > 1e-12f)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}
