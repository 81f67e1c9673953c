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
    /// <summary>
    /// Delivers a batch. Events the store will never take come back in
    /// <see cref="UsageDelivery.Rejected"/>; a batch refused whole as it is (too large, malformed)
    /// throws <see cref="UsageRefusedException"/>; any other failure throws and the batch is retried.
    /// </summary>
    Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken);
}

/// <summary>The sink refused a batch as it is: retrying it unchanged can never succeed.</summary>
public sealed class UsageRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What the store did with a delivered batch.</summary>
public sealed record UsageDelivery(int Stored, int Duplicates, IReadOnlyList<(string EventId, string Reason)> Rejected);
