using Grpc.Core;
using Mesh.ServiceDefaults.Auth;
using Mesh.Telemetry.V1;
using Mesh.Usage.V1;

namespace Mesh.ServiceDefaults.Usage;

/// <summary>Delivers usage batches to the telemetry service's <c>UsageIngest.Publish</c>.</summary>
public sealed class GrpcUsageSink(UsageIngest.UsageIngestClient client, ServiceCredential credential) : IUsageSink
{
    private readonly Metadata _credentials = credential.Headers();

    public async Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
    {
        var request = new PublishRequest();
        request.Events.AddRange(batch);
        var response = await client.PublishAsync(request, _credentials, DateTime.UtcNow.AddSeconds(30), cancellationToken);
        return new UsageDelivery(response.Stored, response.Duplicates, [.. response.Rejected.Select(r => (r.EventId, r.Reason))]);
    }
}
