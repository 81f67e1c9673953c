using System.Diagnostics.Metrics;
using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.Placement;
using Mesh.ServiceDefaults.Instrumentation;

namespace Mesh.Inference.Devices;

/// <summary>
/// Device and scheduler instruments on the service's meter (<c>Mesh.Inference</c>): memory
/// capacity, reservation, what replicas measured (weights, workspace, key-value budget) and use per
/// device, utilization (NVML on GPUs, process CPU otherwise), device time and busy share,
/// fragmentation, queue depth per model, key-value blocks and prefix-cache counts per replica,
/// and batch sizes. Readings are cached for a second so usage events can carry them cheaply.
/// </summary>
public sealed class DeviceMetrics
{
    private readonly DevicePool _pool;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Histogram<int> _batchSize;
    private Dictionary<string, (long Used, double Utilization)> _readings = [];
    private long _readAt;

    public DeviceMetrics(DevicePool pool, GenAiMetrics metrics, ModelHost models, ModelReplicas replicas, ReplicaPlacer placer, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _pool = pool;
        _time = time;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("mesh.inference.device.memory.capacity", () => Each(d => d.CapacityBytes), "By", "Memory models may reserve on the device.");
        meter.CreateObservableGauge("mesh.inference.device.memory.reserved", () => Each(d => d.ReservedBytes), "By", "Memory reserved by loaded models.");
        meter.CreateObservableGauge("mesh.inference.device.memory.used", () => Each(d => Reading(d.Name).Used), "By", "Memory in use, measured.");
        meter.CreateObservableGauge("mesh.inference.device.utilization", () => EachDouble(d => Reading(d.Name).Utilization), "1", "Device utilization, 0..1.");
        meter.CreateObservableGauge("mesh.inference.device.memory.measured", () => pool.Devices.SelectMany(d => new[]
        {
            Measured(d, "weights", d.Measured.WeightsBytes), Measured(d, "workspace", d.Measured.WorkspaceBytes), Measured(d, "kv_budget", d.Measured.KvBudgetBytes),
        }), "By", "What the replicas on the device measured after loading, by part.");
        meter.CreateObservableCounter("mesh.inference.device.compute_time", () => EachDouble(d => d.Scheduler.Ledger.TotalMs / 1000), "s", "Device time used by runs.");
        meter.CreateObservableGauge("mesh.inference.device.busy", () => EachDouble(d => d.Scheduler.Ledger.Busy(d.Slots)), "1", "Recent share of time the device was running, 0..1.");
        meter.CreateObservableGauge("mesh.inference.device.fragmentation", () => pool.Fragmentation(placer.ReferenceSizes()), "1", "Free memory no model that could be asked for fits in, over all free memory of usable devices.");
        meter.CreateObservableGauge("mesh.inference.kv.blocks", () => Decoders(replicas).SelectMany(r => new[]
        {
            Blocks(r, "used", r.Decoder.Engine.Blocks.UsedBlocks), Blocks(r, "cached", r.Decoder.Engine.Blocks.CachedBlocks),
            Blocks(r, "free", r.Decoder.Engine.Blocks.TotalBlocks - r.Decoder.Engine.Blocks.UsedBlocks - r.Decoder.Engine.Blocks.CachedBlocks),
        }), "{block}", "Key-value blocks of each decoder replica by state.");
        meter.CreateObservableCounter("mesh.inference.prefix_cache.lookups", () => Decoders(replicas).SelectMany(r => new[]
        {
            Count(r, "hit", r.Decoder.Engine.Blocks.Counters.Hits), Count(r, "miss", r.Decoder.Engine.Blocks.Counters.Misses),
        }), "{sequence}", "Sequences whose prompt prefix was (hit) or was not (miss) in the prefix cache.");
        meter.CreateObservableCounter("mesh.inference.prefix_cache.evictions", () => Decoders(replicas).Select(r => Count(r, "evicted", r.Decoder.Engine.Blocks.Counters.Evictions)),
            "{block}", "Cached key-value blocks evicted to make room.");
        meter.CreateObservableCounter("mesh.inference.kv.preemptions", () => Decoders(replicas).Select(r => Count(r, "preempted", r.Decoder.Engine.Preemptions)),
            "{sequence}", "Sequences whose key-value blocks were taken back (recomputed later).");
        meter.CreateObservableGauge("mesh.inference.queue.depth", () => models.States().Where(s => s.Served is not null)
            .Select(s => new Measurement<int>(s.Replicas.Sum(r => r.Served.Queued), new KeyValuePair<string, object?>("gen_ai.request.model", s.Model.Name))), "{call}", "Calls waiting per model.");
        _batchSize = meter.CreateHistogram<int>("mesh.inference.batch.size", "{row}", "Rows in the model run each call was part of.");
    }

    public void RecordBatch(string model, string operation, int rows) =>
        _batchSize.Record(rows, new KeyValuePair<string, object?>("gen_ai.request.model", model), new KeyValuePair<string, object?>("gen_ai.operation.name", operation));

    /// <summary>Measured memory use and utilization of a device, at most a second old.</summary>
    public (long Used, double Utilization) Reading(string device)
    {
        lock (_lock)
        {
            if (_readAt == 0 || _time.GetElapsedTime(_readAt) > TimeSpan.FromSeconds(1))
            {
                _readings = _pool.Devices.ToDictionary(d => d.Name, _pool.Measure);
                _readAt = _time.GetTimestamp();
            }

            return _readings.GetValueOrDefault(device);
        }
    }

    private static Measurement<long> Measured(ComputeDevice device, string part, long bytes) =>
        new(bytes, new KeyValuePair<string, object?>("mesh.device", device.Name), new KeyValuePair<string, object?>("mesh.memory.part", part));

    private static IEnumerable<(ModelReplica Replica, ServedDecoderModel Decoder)> Decoders(ModelReplicas replicas) =>
        replicas.All().SelectMany(m => m.Replicas).Where(r => r.Served is ServedDecoderModel).Select(r => (r, (ServedDecoderModel)r.Served));

    private static Measurement<long> Blocks((ModelReplica Replica, ServedDecoderModel Decoder) r, string state, long blocks) =>
        new(blocks, Tags(r.Decoder, ("mesh.kv.state", state)));

    private static Measurement<long> Count((ModelReplica Replica, ServedDecoderModel Decoder) r, string outcome, long count) =>
        new(count, Tags(r.Decoder, ("mesh.outcome", outcome)));

    private static KeyValuePair<string, object?>[] Tags(ServedDecoderModel decoder, (string Key, string Value) extra) =>
    [
        new("gen_ai.request.model", decoder.Descriptor.Name), new("mesh.device", decoder.Device), new(extra.Key, extra.Value),
    ];

    private IEnumerable<Measurement<long>> Each(Func<ComputeDevice, long> value) =>
        _pool.Devices.Select(d => new Measurement<long>(value(d), new KeyValuePair<string, object?>("mesh.device", d.Name)));

    private IEnumerable<Measurement<double>> EachDouble(Func<ComputeDevice, double> value) =>
        _pool.Devices.Select(d => new Measurement<double>(value(d), new KeyValuePair<string, object?>("mesh.device", d.Name)));
}
