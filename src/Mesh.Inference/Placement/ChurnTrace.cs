namespace Mesh.Inference.Placement;

/// <summary>
/// A fixed, seeded sequence of model loads and unloads (sizes 1 to 6 GiB, at most a dozen models
/// loaded) that fragments devices of 10 GiB the way churn does: the placement benchmark and tests
/// play the same trace with and without consolidation. The events do not depend on the outcomes:
/// unloading a model that was refused is a no-op.
/// </summary>
public static class ChurnTrace
{
    private const long GiB = 1L << 30;

    /// <summary>The trace's events: a model and its size to load, or a model (size 0) to unload.</summary>
    public static IReadOnlyList<(string Model, long Bytes)> Events(int seed, int steps)
    {
        var random = new Random(seed);
        var loaded = new List<string>();
        var events = new List<(string, long)>();
        var next = 0;
        for (var i = 0; i < steps; i++)
        {
            if (loaded.Count > 0 && (loaded.Count >= 12 || random.NextDouble() < 0.45))
            {
                var index = random.Next(loaded.Count);
                events.Add((loaded[index], 0));
                loaded.RemoveAt(index);
            }
            else
            {
                var model = $"m{next++}";
                events.Add((model, random.Next(1, 7) * GiB));
                loaded.Add(model);
            }
        }

        return events;
    }

    /// <summary>Plays the trace on <paramref name="simulator"/>.</summary>
    public static void Play(PlacementSimulator simulator, int seed, int steps)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        foreach (var (model, bytes) in Events(seed, steps))
        {
            if (bytes == 0)
            {
                simulator.Unload(model);
            }
            else
            {
                simulator.Load(model, bytes);
            }
        }
    }
}
