using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Prewarm;

/// <summary>Where the capacity view comes from.</summary>
public interface ICapacitySource
{
    Task<CapacityReport> ReadAsync(int lookaheadHours, double busyCallsPerHour, CancellationToken cancellationToken);
}

/// <summary>Telemetry's capacity view (Analytics.GetCapacity), asked with inference's own service credential.</summary>
public sealed class TelemetryCapacitySource(
    Analytics.AnalyticsClient analytics, IServiceCredentials credentials, IOptions<MeshGrpcOptions> grpc, TimeProvider time) : ICapacitySource
{
    public async Task<CapacityReport> ReadAsync(int lookaheadHours, double busyCallsPerHour, CancellationToken cancellationToken)
    {
        var headers = await credentials.HeadersAsync(cancellationToken);
        return await analytics.GetCapacityAsync(
            new CapacityQuery { LookaheadHours = lookaheadHours, BusyCallsPerHour = busyCallsPerHour },
            headers, time.GetUtcNow().UtcDateTime + grpc.Value.DefaultDeadline, cancellationToken);
    }
}
