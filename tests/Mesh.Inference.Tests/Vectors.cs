namespace Mesh.Inference.Tests;

internal static class Vectors
{
    public static double Dot(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.Equal(a.Count, b.Count);
        var sum = 0d;
        for (var i = 0; i < a.Count; i++)
        {
            sum += a[i] * (double)b[i];
        }

        return sum;
    }

    public static double Norm(IReadOnlyList<float> a) => Math.Sqrt(Dot(a, a));
}
