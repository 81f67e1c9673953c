namespace Mesh.Inference.ModelBuilder;

/// <summary>
/// Normally distributed weights from a fixed seed (SplitMix64), the same on
/// every machine and .NET version, so a seed always gives the same model bytes.
/// </summary>
public sealed class SeededWeights(ulong seed)
{
    private ulong _state = seed;

    /// <summary>
    /// <paramref name="count"/> values of mean 0 and standard deviation <paramref name="stddev"/>,
    /// approximately normal (the sum of 12 uniforms, minus 6): plain arithmetic, no libm.
    /// </summary>
    public float[] Normal(int count, float stddev)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var sum = 0.0;
            for (var k = 0; k < 12; k++)
            {
                sum += (NextUInt64() >> 11) * (1.0 / (1UL << 53));
            }

            values[i] = (float)((sum - 6.0) * stddev);
        }

        return values;
    }

    public static float[] Constant(int count, float value)
    {
        var values = new float[count];
        Array.Fill(values, value);
        return values;
    }

    private ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
