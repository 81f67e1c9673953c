using Mesh.Agents.Knowledge;

namespace Mesh.Agents.Tests;

public sealed class VectorMathTests
{
    [Fact]
    public void Cosine_SameDirection_IsOne() => Assert.Equal(1, VectorMath.Cosine([1, 2, 3], [2, 4, 6]), 6);

    [Fact]
    public void Cosine_Orthogonal_IsZero() => Assert.Equal(0, VectorMath.Cosine([1, 0], [0, 1]), 6);

    [Fact]
    public void Cosine_Opposite_IsMinusOne() => Assert.Equal(-1, VectorMath.Cosine([1, 1], [-1, -1]), 6);

    [Fact]
    public void Cosine_DifferentLengths_Throws() => Assert.Throws<ArgumentException>(() => VectorMath.Cosine([1], [1, 2]));
}
