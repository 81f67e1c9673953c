using System.Collections.Concurrent;

namespace Mesh.Inference.Placement;

/// <summary>
/// The load a model is expected to bring (calls waiting or running on average), which placement
/// weighs beside memory. The default follows recent queue depth; a forecast (telemetry's capacity
/// view) can replace it by registering another implementation.
/// </summary>
public interface IExpectedLoad
{
    double Of(string model);
}

/// <summary>Expected load from recent queue depth: an exponential average of what the scaler samples each interval.</summary>
public sealed class RecentQueueDepth : IExpectedLoad
{
    /// <summary>Weight of each new sample (about the last ten intervals count).</summary>
    private const double Smoothing = 0.1;

    private readonly ConcurrentDictionary<string, double> _depth = new(StringComparer.Ordinal);

    public double Of(string model) => _depth.GetValueOrDefault(model);

    /// <summary>Takes a sample: <paramref name="depth"/> calls waiting or running for <paramref name="model"/> now.</summary>
    public double Observe(string model, double depth) =>
        _depth.AddOrUpdate(model, depth * Smoothing, (_, average) => average + (Smoothing * (depth - average)));
}
