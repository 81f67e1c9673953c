using Mesh.Usage.V1;

namespace Mesh.Metering;

/// <summary>
/// Accepts usage events for delivery to telemetry. Publishing never waits on the network: it
/// returns as soon as the event is buffered, and fails loudly when it cannot be buffered.
/// </summary>
public interface IUsagePublisher
{
    ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken);
}

/// <summary>Where buffered usage events are delivered (telemetry over gRPC, or Kafka).</summary>
public interface IUsageSink
{
    /// <summary>Delivers a batch; throws when it could not, so the batch is retried whole.</summary>
    Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken);
}

/// <summary>What the store did with a delivered batch.</summary>
public sealed record UsageDelivery(int Stored, int Duplicates, IReadOnlyList<(string EventId, string Reason)> Rejected);
