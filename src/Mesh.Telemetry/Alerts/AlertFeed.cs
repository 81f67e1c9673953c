using System.Threading.Channels;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Alerts;

/// <summary>The alert events: the latest kept for listing, and every new one sent to each watcher of its tenant.</summary>
public sealed class AlertFeed
{
    private const int Kept = 1000;
    private readonly LinkedList<AlertEvent> _recent = new();
    private readonly List<(string? Tenant, Channel<AlertEvent> Channel)> _watchers = [];
    private readonly Lock _lock = new();

    public void Publish(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_lock)
        {
            _recent.AddFirst(alert);
            if (_recent.Count > Kept)
            {
                _recent.RemoveLast();
            }

            foreach (var (tenant, channel) in _watchers.Where(w => w.Tenant is null || w.Tenant == alert.TenantId))
            {
                // A watcher too slow to keep up with a bounded queue loses the oldest, never blocks evaluation.
                channel.Writer.TryWrite(alert);
            }
        }
    }

    /// <summary>The newest events of <paramref name="tenant"/> (every tenant when null).</summary>
    public IReadOnlyList<AlertEvent> Recent(string? tenant, int limit)
    {
        lock (_lock)
        {
            return [.. _recent.Where(e => tenant is null || e.TenantId == tenant).Take(limit)];
        }
    }

    /// <summary>Events of <paramref name="tenant"/> from now on, until <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<AlertEvent> WatchAsync(string? tenant, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<AlertEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _watchers.Add((tenant, channel));
        }

        try
        {
            await foreach (var alert in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return alert;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.RemoveAll(w => w.Channel == channel);
            }
        }
    }

    /// <summary>How many watchers are connected (tests wait for theirs).</summary>
    public int Watchers
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Count;
            }
        }
    }
}
