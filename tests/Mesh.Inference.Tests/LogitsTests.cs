using Mesh.Inference.Generation;

namespace Mesh.Inference.Tests;

/// <summary>The greedy pick's vector arg-max against a plain loop, on every tail length and the awkward values.</summary>
public sealed class LogitsTests
{
    public static TheoryData<int> Lengths => [1, 7, 8, 9, 31, 32, 33, 100, 4_096, 50_257];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ArgMax_RandomLogits_FirstIndexOfTheLargest(int length)
    {
        var random = new Random(length);
        for (var trial = 0; trial < 20; trial++)
        {
            var logits = Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 40) - 20).ToArray();
            // The largest value twice, so the first of them must win.
            var (first, second) = (random.Next(length), random.Next(length));
            logits[first] = logits[second] = 25f;

            Assert.Equal(PlainArgMax(logits), Logits.ArgMax(logits));
            Assert.Equal(logits.Max(), Logits.Max(logits));
        }
    }

    [Fact]
    public void ArgMax_LargestInTheLastElement_Found()
    {
        var logits = Enumerable.Repeat(-3f, 50_257).ToArray();
        logits[^1] = 1f;

        Assert.Equal(50_256, Logits.ArgMax(logits));
    }

    [Fact]
    public void ArgMax_AllNegativeInfinity_FirstIndex()
    {
        Assert.Equal(0, Logits.ArgMax(Enumerable.Repeat(float.NegativeInfinity, 1_000).ToArray()));
    }

    [Fact]
    public void ArgMax_ANaNAmongTheLogits_SameAnswerAsTensorPrimitives()
    {
        var logits = Enumerable.Range(0, 1_000).Select(i => (float)Math.Sin(i)).ToArray();
        logits[517] = float.NaN;

        Assert.Equal(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits), Logits.ArgMax(logits));
    }

    private static int PlainArgMax(float[] logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
