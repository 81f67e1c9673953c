using Mesh.Inference.Embeddings;

namespace Mesh.Inference.Tests;

public sealed class EmbeddingPoolingTests
{
    [Fact]
    public void MeanPool_MaskedTokens_AveragesOnlyKeptRows()
    {
        float[] tokens = [1, 2, 3, 5, 100, 100];
        long[] mask = [1, 1, 0];
        var pooled = new float[2];

        EmbeddingPooling.MeanPool(tokens, mask, pooled);

        Assert.Equal([2f, 3.5f], pooled);
    }

    [Fact]
    public void MeanPool_NothingKept_GivesZeroVector()
    {
        var pooled = new float[] { 9, 9 };

        EmbeddingPooling.MeanPool([1, 2], [0], pooled);

        Assert.Equal([0f, 0f], pooled);
    }

    [Fact]
    public void Normalize_Vector_ScalesToUnitLength()
    {
        float[] vector = [3, 4];

        EmbeddingPooling.Normalize(vector);

        Assert.Equal(0.6f, vector[0], 6);
        Assert.Equal(0.8f, vector[1], 6);
    }

    [Fact]
    public void Normalize_ZeroVector_StaysZero()
    {
        float[] vector = [0, 0, 0];

        EmbeddingPooling.Normalize(vector);

        Assert.Equal([0f, 0f, 0f], vector);
    }

    [Fact]
    public void MeanPoolNormalized_PaddedBatch_PoolsEachRowOverItsOwnMask()
    {
        // batch 2, sequence 3, dimensions 2; row 0 keeps 2 tokens, row 1 keeps 1 (then padding).
        float[] hidden = [1, 0, 3, 0, 50, 50, 0, 2, 7, 7, 7, 7];
        long[] mask = [1, 1, 0, 1, 0, 0];

        var vectors = EmbeddingPooling.MeanPoolNormalized(hidden, mask, batchSize: 2, sequenceLength: 3, dimensions: 2);

        Assert.Equal([1f, 0f], vectors[0]);
        Assert.Equal([0f, 1f], vectors[1]);
    }

    [Fact]
    public void MeanPoolNormalized_WrongSizes_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => EmbeddingPooling.MeanPoolNormalized(new float[5], new long[2], 1, 2, 3));

        Assert.Contains("[1, 2, 3]", error.Message, StringComparison.Ordinal);
    }
}
