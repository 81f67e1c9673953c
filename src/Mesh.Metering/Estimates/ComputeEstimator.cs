using System.Collections.Concurrent;
using System.Numerics;

namespace Mesh.Metering.Estimates;

/// <summary>
/// What a call's compute will take, from what recent calls of the same resource (a model or tool),
/// version, device and batch size took: the 99th percentile of compute milliseconds per unit of
/// work (an input token for embeddings, a decoding step for generation, a call for tensors and
/// tools) over the last <see cref="Window"/> calls, times the units of the call in hand. A call's
/// share of a batch of 32 costs far less than a call run alone, so rates are kept per batch size
/// (in powers of two) and a call is estimated at the batch it is about to join. Reservations use
/// it instead of the deadline, so a budget is held for what a call can really cost. Until a
/// resource has run there is no estimate, and the caller reserves its stated maximum.
/// </summary>
public sealed class ComputeEstimator
{
    public const int Window = 512;
    private const int RecomputeEvery = 16;

    private readonly ConcurrentDictionary<(string Resource, string Version, string Device), Rates[]> _rates = new();

    /// <summary>Records that a call did <paramref name="units"/> of work in <paramref name="computeMs"/>, in a batch of <paramref name="batchSize"/>.</summary>
    public void Observe(string resource, string version, string device, double units, double computeMs, int batchSize = 1)
    {
        if (units <= 0 || !double.IsFinite(computeMs) || computeMs < 0)
        {
            return;
        }

        var buckets = _rates.GetOrAdd((resource, version, device), _ => [.. Enumerable.Range(0, Buckets).Select(_ => new Rates())]);
        buckets[Bucket(batchSize)].Add(computeMs / units);
    }

    /// <summary>
    /// The compute milliseconds <paramref name="units"/> of work are estimated to take in a batch of
    /// <paramref name="batchSize"/>: the rates of that batch size, else of the nearest smaller one
    /// measured (smaller batches cost more per call: the estimate errs high), else of any; null
    /// before any call ran.
    /// </summary>
    public double? Estimate(string resource, string version, string device, double units, int batchSize = 1)
    {
        if (!_rates.TryGetValue((resource, version, device), out var buckets))
        {
            return null;
        }

        for (var b = Bucket(batchSize); b >= 0; b--)
        {
            if (buckets[b].P99 is { } perUnit)
            {
                return perUnit * Math.Max(1, units);
            }
        }

        return buckets.Select(r => r.P99).FirstOrDefault(p => p is not null) is { } any ? any * Math.Max(1, units) : null;
    }

    private const int Buckets = 8; // 1, 2, 4, ..., 128 and more

    private static int Bucket(int batchSize) => Math.Min(Buckets - 1, BitOperations.Log2((uint)Math.Max(1, batchSize)));

    /// <summary>A ring of recent per-unit rates and their 99th percentile, recomputed every few samples.</summary>
    private sealed class Rates
    {
        private readonly Lock _lock = new();
        private readonly double[] _samples = new double[Window];
        private int _count;
        private int _next;
        private int _sinceRecompute;
        private double? _p99;

        public double? P99
        {
            get
            {
                lock (_lock)
                {
                    return _p99;
                }
            }
        }

        public void Add(double rate)
        {
            lock (_lock)
            {
                _samples[_next] = rate;
                _next = (_next + 1) % Window;
                _count = Math.Min(_count + 1, Window);
                // A rate above the current estimate counts at once: a model that turns slow is reserved for as such.
                if (_p99 is null || ++_sinceRecompute >= RecomputeEvery || rate > _p99)
                {
                    _p99 = Percentile99();
                    _sinceRecompute = 0;
                }
            }
        }

        private double Percentile99()
        {
            var sorted = _samples.AsSpan(0, _count).ToArray();
            Array.Sort(sorted);
            return sorted[Math.Min(_count - 1, (int)Math.Ceiling(0.99 * _count) - 1)];
        }
    }
}
