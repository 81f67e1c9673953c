using Grpc.Core;
using Mesh.Security;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Ingest;

/// <summary>Receives usage from the services. Only admin (service) principals may publish.</summary>
public sealed class UsageIngestService(UsageIngestor ingestor) : UsageIngest.UsageIngestBase
{
    /// <summary>Most events one publish call may carry.</summary>
    public const int MaxEventsPerCall = 10_000;

    public override async Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        ServiceRights.Require(ServiceRight.PublishUsage, "publish usage");

        if (request.Events.Count > MaxEventsPerCall)
        {
            throw MeshErrors.InvalidArgument("events", $"{request.Events.Count} events in one call; send at most {MaxEventsPerCall} per call");
        }

        var delivery = await ingestor.IngestAsync(request.Events, context.CancellationToken);
        var response = new PublishResponse { Stored = delivery.Stored, Duplicates = delivery.Duplicates };
        response.Rejected.AddRange(delivery.Rejected.Select(r => new RejectedEvent { EventId = r.EventId, Reason = r.Reason }));
        return response;
    }
}
