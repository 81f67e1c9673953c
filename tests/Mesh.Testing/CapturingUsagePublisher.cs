using System.Collections.Concurrent;
using Mesh.Metering;
using Mesh.Usage.V1;

namespace Mesh.Testing;

/// <summary>Keeps every published usage event so tests can assert on them.</summary>
public sealed class CapturingUsagePublisher : IUsagePublisher
{
    private readonly ConcurrentQueue<UsageEvent> _events = new();

    public IReadOnlyList<UsageEvent> Events => [.. _events];

    public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        _events.Enqueue(usageEvent.Clone());
        return ValueTask.CompletedTask;
    }
}
