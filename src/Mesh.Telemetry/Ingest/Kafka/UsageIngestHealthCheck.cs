using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// The Kafka ingestor's health: Degraded once usage records were lost before ingestion (see
/// <see cref="OffsetGapDetector"/>), until the process restarts. Degraded, not Unhealthy: the
/// ingestor still stores everything that is left, and an orchestrator must not restart it for
/// a loss a restart cannot repair; the Critical log and <c>mesh.usage.ingest.lost</c> keep the record.
/// </summary>
public sealed class UsageIngestHealthCheck(IngestMetrics metrics) : IHealthCheck
{
    public const string Name = "usage-ingest";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lost = metrics.LostRecords;
        return Task.FromResult(lost == 0
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"{lost} usage records lost before ingestion (last: {metrics.LastLoss}); see the Critical log"),
                data: new Dictionary<string, object> { ["lost_records"] = lost }));
    }
}
