using System.Numerics.Tensors;

namespace Mesh.Inference.Generation;

/// <summary>
/// Picks the next token from logits: the arg-max when greedy; otherwise softmax at the
/// temperature, cut to the k most likely (top-k) and then to the smallest set whose
/// probability reaches p (top-p), and drawn with the sequence's own seeded generator, so the
/// same seed gives the same text whatever else runs in the batch.
/// </summary>
public sealed class Sampler(SamplingSettings settings)
{
    private ulong _state = settings.Seed;

    public int Next(ReadOnlySpan<float> logits)
    {
        if (settings.Greedy)
        {
            return TensorPrimitives.IndexOfMax(logits);
        }

        var candidates = Candidates(logits, out var max);
        var weights = new double[candidates.Length];
        var sum = 0.0;
        for (var i = 0; i < candidates.Length; i++)
        {
            weights[i] = Math.Exp((logits[candidates[i]] - max) / settings.Temperature);
            sum += weights[i];
        }

        var cut = candidates.Length;
        if (settings.TopP is > 0 and < 1)
        {
            var mass = 0.0;
            for (var i = 0; i < candidates.Length; i++)
            {
                mass += weights[i] / sum;
                if (mass >= settings.TopP)
                {
                    cut = i + 1;
                    sum = mass * sum;
                    break;
                }
            }
        }

        var draw = NextDouble() * sum;
        for (var i = 0; i < cut; i++)
        {
            draw -= weights[i];
            if (draw <= 0)
            {
                return candidates[i];
            }
        }

        return candidates[cut - 1];
    }

    /// <summary>
    /// The tokens worth drawing from: those within 20 temperatures of the best logit (the rest
    /// weigh under e^-20 each), by descending logit when top-k or top-p needs an order, cut to k.
    /// </summary>
    private int[] Candidates(ReadOnlySpan<float> logits, out float max)
    {
        max = TensorPrimitives.Max(logits);
        var threshold = max - (20 * settings.Temperature);
        var ids = new List<int>();
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] >= threshold)
            {
                ids.Add(i);
            }
        }

        var ordered = settings.TopK > 0 || settings.TopP is > 0 and < 1;
        if (!ordered)
        {
            return [.. ids];
        }

        var sorted = ids.ToArray();
        var keys = new float[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            keys[i] = -logits[sorted[i]];
        }

        Array.Sort(keys, sorted);
        return settings.TopK > 0 && settings.TopK < sorted.Length ? sorted[..settings.TopK] : sorted;
    }

    private double NextDouble()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return ((z ^ (z >> 31)) >> 11) * (1.0 / (1UL << 53));
    }
}
