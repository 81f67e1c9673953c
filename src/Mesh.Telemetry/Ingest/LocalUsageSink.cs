using Mesh.Metering;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest;

/// <summary>Telemetry's own usage goes straight into its store, not over gRPC to itself.</summary>
public sealed class LocalUsageSink(UsageIngestor ingestor) : IUsageSink
{
    public Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken) =>
        ingestor.IngestAsync(batch, cancellationToken);
}
