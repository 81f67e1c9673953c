using System.Diagnostics.Metrics;
using Mesh.Inference.Models;
using Mesh.ServiceDefaults.Instrumentation;

namespace Mesh.Inference.Devices;

/// <summary>
/// Device and scheduler instruments on the service's meter (<c>Mesh.Inference</c>): memory
/// capacity, reservation and measured use per device, utilization (NVML on GPUs, process CPU
/// otherwise), fragmentation, queue depth per model, and batch sizes. Readings are cached
/// for a second so usage events can carry them cheaply.
/// </summary>
public sealed class DeviceMetrics
{
    private readonly DevicePool _pool;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Histogram<int> _batchSize;
    private Dictionary<string, (long Used, double Utilization)> _readings = [];
    private long _readAt;

    public DeviceMetrics(DevicePool pool, GenAiMetrics metrics, ModelHost models, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _pool = pool;
        _time = time;
        var meter = metrics.Meter;
        meter.CreateObservableGauge("mesh.inference.device.memory.capacity", () => Each(d => d.CapacityBytes), "By", "Memory models may reserve on the device.");
        meter.CreateObservableGauge("mesh.inference.device.memory.reserved", () => Each(d => d.ReservedBytes), "By", "Memory reserved by loaded models.");
        meter.CreateObservableGauge("mesh.inference.device.memory.used", () => Each(d => Reading(d.Name).Used), "By", "Memory in use, measured.");
        meter.CreateObservableGauge("mesh.inference.device.utilization", () => EachDouble(d => Reading(d.Name).Utilization), "1", "Device utilization, 0..1.");
        meter.CreateObservableGauge("mesh.inference.device.fragmentation", () => pool.Fragmentation(), "1", "1 - largest free block / total free memory over usable devices.");
        meter.CreateObservableGauge("mesh.inference.queue.depth", () => models.States().Where(s => s.Served is not null)
            .Select(s => new Measurement<int>(s.Served!.Queued, new KeyValuePair<string, object?>("gen_ai.request.model", s.Model.Name))), "{call}", "Calls waiting per model.");
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

    private IEnumerable<Measurement<long>> Each(Func<ComputeDevice, long> value) =>
        _pool.Devices.Select(d => new Measurement<long>(value(d), new KeyValuePair<string, object?>("mesh.device", d.Name)));

    private IEnumerable<Measurement<double>> EachDouble(Func<ComputeDevice, double> value) =>
        _pool.Devices.Select(d => new Measurement<double>(value(d), new KeyValuePair<string, object?>("mesh.device", d.Name)));
}
