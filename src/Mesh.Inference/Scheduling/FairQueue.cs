namespace Mesh.Inference.Scheduling;

/// <summary>
/// Start-time fair queueing (SFQ) between tenants, and priority within each tenant. The next item
/// comes from the tenant whose virtual start, max(virtual time, the tenant's previous finish), is
/// smallest; serving it advances the tenant's finish by cost / weight. A tenant that queues ten
/// times more work than another therefore gets the same share of the device while both have work
/// waiting, never all of it, and no priority class lets one tenant take another's share: priority
/// orders a tenant's own work (interactive before standard before batch) and breaks ties between
/// tenants. Not thread-safe: the owner locks.
/// </summary>
public sealed class FairQueue<T>(Func<string, double> weightOf)
    where T : class, IScheduledWork
{
    private readonly Dictionary<string, TenantQueue> _tenants = new(StringComparer.Ordinal);
    private double _virtualTime;
    private long _sequence;

    /// <summary>Items waiting, abandoned ones included until they are skipped.</summary>
    public int Count { get; private set; }

    public int CountOf(string tenant) => _tenants.TryGetValue(tenant, out var queue) ? queue.Items.Count : 0;

    public void Enqueue(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!_tenants.TryGetValue(item.Tenant, out var queue))
        {
            queue = new TenantQueue();
            _tenants[item.Tenant] = queue;
        }

        queue.Items.Enqueue(item, ((int)item.Priority, _sequence++));
        Count++;
    }

    /// <summary>The next live item in fair and priority order, dropping abandoned ones on the way.</summary>
    public bool TryDequeue(out T item)
    {
        while (Next() is { } tenant)
        {
            var queue = _tenants[tenant];
            var next = queue.Items.Dequeue();
            Count--;
            var start = Math.Max(_virtualTime, queue.Finish);
            queue.Finish = start + (next.Cost / Math.Max(weightOf(tenant), 1e-6));
            _virtualTime = start;
            if (Count == 0)
            {
                // An idle queue forgets history: a tenant that was alone earns no credit or debt.
                _tenants.Clear();
                _virtualTime = 0;
            }

            if (!next.IsAbandoned)
            {
                item = next;
                return true;
            }
        }

        item = null!;
        return false;
    }

    /// <summary>The oldest enqueue time among waiting items, or null when empty.</summary>
    public long? OldestEnqueuedAt()
    {
        long? oldest = null;
        foreach (var queue in _tenants.Values)
        {
            foreach (var (item, _) in queue.Items.UnorderedItems)
            {
                if (!item.IsAbandoned && (oldest is null || item.EnqueuedAt < oldest))
                {
                    oldest = item.EnqueuedAt;
                }
            }
        }

        return oldest;
    }

    /// <summary>The tenant to serve next: smallest virtual start, then most urgent head item, then the earliest queued.</summary>
    private string? Next()
    {
        string? best = null;
        (double Start, int Priority, long Sequence) bestKey = default;
        foreach (var (tenant, queue) in _tenants)
        {
            if (!queue.Items.TryPeek(out _, out var head))
            {
                continue;
            }

            var key = (Math.Max(_virtualTime, queue.Finish), head.Priority, head.Sequence);
            if (best is null || key.CompareTo(bestKey) < 0)
            {
                (best, bestKey) = (tenant, key);
            }
        }

        return best;
    }

    private sealed class TenantQueue
    {
        public PriorityQueue<T, (int Priority, long Sequence)> Items { get; } = new();

        public double Finish { get; set; }
    }
}
