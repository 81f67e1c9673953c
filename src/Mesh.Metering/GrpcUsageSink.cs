using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Telemetry.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Metering;

/// <summary>Delivers usage batches to the telemetry service's <c>UsageIngest.Publish</c>.</summary>
public sealed class GrpcUsageSink(UsageIngest.UsageIngestClient client, IServiceCredentials credentials, IOptions<MeshGrpcOptions> grpc, TimeProvider time) : IUsageSink
{
    public async Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
    {
        var request = new PublishRequest();
        request.Events.AddRange(batch);
        var headers = await credentials.HeadersAsync(cancellationToken);
        try
        {
            var response = await client.PublishAsync(request, headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
            return new UsageDelivery(response.Stored, response.Duplicates, [.. response.Rejected.Select(r => (r.EventId, r.Reason))]);
        }
        catch (RpcException ex) when (IsRefusal(ex))
        {
            throw new UsageRefusedException($"telemetry refused the batch: {ex.Status.Detail}", ex);
        }
    }

    /// <summary>
    /// Answers that sending the same batch again cannot change: the request itself is invalid, or
    /// larger than telemetry takes. A full buffer or a busy telemetry is not one of them.
    /// </summary>
    private static bool IsRefusal(RpcException ex) => ex.StatusCode is StatusCode.InvalidArgument or StatusCode.OutOfRange
        || (ex.StatusCode == StatusCode.ResourceExhausted && ex.Status.Detail.Contains("message", StringComparison.OrdinalIgnoreCase)
            && ex.Status.Detail.Contains("size", StringComparison.OrdinalIgnoreCase));
}
