using System.Diagnostics.Metrics;
using System.Globalization;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>The ingestor's metrics (meter <c>Mesh.Telemetry.Ingest</c>): throughput by outcome, write time, lag, and records lost before ingestion.</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "Mesh.Telemetry.Ingest";
    private readonly Counter<long> _records;
    private readonly Histogram<double> _writeSeconds;
    private readonly Counter<long> _lost;
    private long _lag;
    private long _lostRecords;
    private string? _lastLoss;

    public IngestMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _records = meter.CreateCounter<long>("mesh.usage.ingest.records", "{record}", "Usage records read from Kafka, by outcome (stored, duplicate, dead_letter)");
        _writeSeconds = meter.CreateHistogram<double>("mesh.usage.ingest.write.duration", "s", "Time to decode, price and write one batch to the usage store, retries included");
        _lost = meter.CreateCounter<long>("mesh.usage.ingest.lost", "{record}", "Usage records the broker deleted (retention) before they were stored: usage and cost missing from the store");
        meter.CreateObservableGauge("mesh.usage.ingest.lag", () => Volatile.Read(ref _lag), "{record}", "Records in the usage topic not yet stored and committed by this consumer");
    }

    /// <summary>The lag last measured over this consumer's partitions.</summary>
    public long Lag => Volatile.Read(ref _lag);

    /// <summary>Usage records lost before ingestion since this process started.</summary>
    public long LostRecords => Interlocked.Read(ref _lostRecords);

    /// <summary>Where the last loss was (topic, partition, offsets), or null.</summary>
    public string? LastLoss => Volatile.Read(ref _lastLoss);

    /// <summary>Records at offsets [<paramref name="fromOffset"/>, <paramref name="toOffset"/>) of a partition were deleted before they were stored.</summary>
    public void Lost(string topic, int partition, long fromOffset, long toOffset)
    {
        var count = toOffset - fromOffset;
        if (count <= 0)
        {
            return;
        }

        _lost.Add(count, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("partition", partition));
        Interlocked.Add(ref _lostRecords, count);
        Volatile.Write(ref _lastLoss, string.Create(CultureInfo.InvariantCulture, $"{topic} partition {partition} offsets {fromOffset} to {toOffset - 1}"));
    }

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
