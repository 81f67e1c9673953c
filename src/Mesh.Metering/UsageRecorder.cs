using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;

namespace Mesh.Metering;

/// <summary>
/// Creates usage events stamped with the current caller, run, step and trace, and publishes
/// them. Services fill in what they measured between the two.
/// </summary>
public sealed class UsageRecorder(IUsagePublisher publisher, MeshServiceInfo service, TimeProvider time)
{
    public UsageEvent Start(UsageKind kind, string resource, string resourceVersion)
    {
        var scope = CallScope.Current;
        return new UsageEvent
        {
            EventId = UsageEventIds.New(time.GetUtcNow()),
            Service = service.Name,
            Kind = kind,
            Resource = resource,
            ResourceVersion = resourceVersion,
            TenantId = scope?.Caller.TenantId ?? "",
            PrincipalId = scope?.Caller.PrincipalId ?? "",
            AgentId = scope?.AgentId ?? "",
            RunId = scope?.RunId ?? "",
            StepId = scope?.StepId ?? "",
            TraceId = Activity.Current?.TraceId.ToString() ?? "",
            Status = UsageStatus.Ok,
            BatchSize = 1,
        };
    }

    /// <summary>Stamps the finish time and publishes the event.</summary>
    public ValueTask RecordAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        usageEvent.OccurredAt = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return publisher.PublishAsync(usageEvent, cancellationToken);
    }
}
