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

    public int Next(ReadOnlySpan<float> logits) => Next(logits, default);

    /// <summary>The next token among those set in <paramref name="allowed"/> (a bit per token; empty: every token).</summary>
    public int Next(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> allowed)
    {
        if (settings.Greedy)
        {
            return allowed.IsEmpty ? Logits.ArgMax(logits) : MaskedMax(logits, allowed);
        }

        var candidates = Candidates(logits, allowed, out var max);
        if (candidates.Length == 0)
        {
            return MaskedMax(logits, allowed);
        }

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
    private int[] Candidates(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> allowed, out float max)
    {
        max = allowed.IsEmpty ? Logits.Max(logits) : logits[MaskedMax(logits, allowed)];
        var threshold = max - (20 * settings.Temperature);
        var ids = new List<int>();
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] >= threshold && (allowed.IsEmpty || Allowed(allowed, i)))
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

    /// <summary>The allowed token with the highest logit (0 when none is allowed).</summary>
    private static int MaskedMax(ReadOnlySpan<float> logits, ReadOnlySpan<ulong> allowed)
    {
        var (best, bestValue) = (0, float.NegativeInfinity);
        var words = Math.Min(allowed.Length, (logits.Length + 63) / 64);
        for (var w = 0; w < words; w++)
        {
            for (var bits = allowed[w]; bits != 0; bits &= bits - 1)
            {
                var i = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                if (i < logits.Length && logits[i] > bestValue)
                {
                    (best, bestValue) = (i, logits[i]);
                }
            }
        }

        return best;
    }

    private static bool Allowed(ReadOnlySpan<ulong> allowed, int i) => (i >> 6) < allowed.Length && (allowed[i >> 6] & (1UL << (i & 63))) != 0;

    private double NextDouble()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return ((z ^ (z >> 31)) >> 11) * (1.0 / (1UL << 53));
    }
}
