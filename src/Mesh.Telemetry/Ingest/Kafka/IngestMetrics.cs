using System.Diagnostics.Metrics;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>The ingestor's metrics (meter <c>Mesh.Telemetry.Ingest</c>): throughput by outcome, write time, and lag.</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "Mesh.Telemetry.Ingest";
    private readonly Counter<long> _records;
    private readonly Histogram<double> _writeSeconds;
    private long _lag;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _records = meter.CreateCounter<long>("mesh.usage.ingest.records", "{record}", "Usage records read from Kafka, by outcome (stored, duplicate, dead_letter)");
        _writeSeconds = meter.CreateHistogram<double>("mesh.usage.ingest.write.duration", "s", "Time to write one batch to ClickHouse, retries included");
        meter.CreateObservableGauge("mesh.usage.ingest.lag", () => Volatile.Read(ref _lag), "{record}", "Records in the usage topic not yet stored and committed by this consumer");
    }

    /// <summary>The lag last measured over this consumer's partitions.</summary>
    public long Lag => Volatile.Read(ref _lag);

    public void Recorded(string outcome, long count)
    {
        if (count > 0)
        {
            _records.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void Wrote(TimeSpan elapsed) => _writeSeconds.Record(elapsed.TotalSeconds);

    public void SetLag(long lag) => Volatile.Write(ref _lag, lag);
}
