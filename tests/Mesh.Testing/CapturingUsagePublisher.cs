using System.Collections.Concurrent;
using Mesh.Metering;
using Mesh.Usage.V1;

namespace Mesh.Testing;

/// <summary>Keeps every published usage event so tests can assert on them.</summary>
public sealed class CapturingUsagePublisher : IUsagePublisher
{
    private readonly ConcurrentQueue<UsageEvent> _events = new();
    private IUsagePublisher? _next;

    public IReadOnlyList<UsageEvent> Events => [.. _events];

    /// <summary>Passes every event on to <paramref name="next"/> too (the real pipeline).</summary>
    public CapturingUsagePublisher ForwardingTo(IUsagePublisher next)
    {
        _next = next;
        return this;
    }

    public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken)
    {
        _events.Enqueue(usageEvent.Clone());
        return _next?.PublishAsync(usageEvent, cancellationToken) ?? ValueTask.CompletedTask;
    }
}
