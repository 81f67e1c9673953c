namespace Mesh.Inference.Scheduling;

/// <summary>
/// Strict priority between classes and start-time fair queueing (SFQ) between tenants within
/// a class: each item is tagged start = max(class virtual time, the tenant's previous finish)
/// and finish = start + cost / weight, and the smallest start goes next. A tenant that queues
/// ten times more work than another therefore gets the same share of the device while both
/// have work waiting, never all of it. Not thread-safe: the owner locks.
/// </summary>
public sealed class FairQueue<T>(Func<string, double> weightOf)
    where T : class, IScheduledWork
{
    private readonly ClassQueue[] _classes = [new(), new(), new()];
    private readonly Dictionary<string, int> _queuedByTenant = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Items waiting, abandoned ones included until they are skipped.</summary>
    public int Count { get; private set; }

    public int CountOf(string tenant) => _queuedByTenant.GetValueOrDefault(tenant);

    public void Enqueue(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var queue = _classes[(int)item.Priority];
        var weight = Math.Max(weightOf(item.Tenant), 1e-6);
        var start = Math.Max(queue.VirtualTime, queue.LastFinish.GetValueOrDefault(item.Tenant));
        queue.LastFinish[item.Tenant] = start + (item.Cost / weight);
        queue.Items.Enqueue(item, (start, _sequence++));
        _queuedByTenant[item.Tenant] = CountOf(item.Tenant) + 1;
        Count++;
    }

    /// <summary>The next live item in priority and fair order, dropping abandoned ones on the way.</summary>
    public bool TryDequeue(out T item)
    {
        foreach (var queue in _classes)
        {
            while (queue.Items.TryDequeue(out var next, out var tag))
            {
                Count--;
                var left = CountOf(next.Tenant) - 1;
                if (left == 0)
                {
                    _queuedByTenant.Remove(next.Tenant);
                }
                else
                {
                    _queuedByTenant[next.Tenant] = left;
                }

                queue.VirtualTime = Math.Max(queue.VirtualTime, tag.Start);
                if (queue.Items.Count == 0)
                {
                    // An idle class forgets history: a tenant that was alone earns no credit or debt.
                    queue.LastFinish.Clear();
                }

                if (!next.IsAbandoned)
                {
                    item = next;
                    return true;
                }
            }
        }

        item = null!;
        return false;
    }

    /// <summary>The oldest enqueue time among waiting items, or null when empty.</summary>
    public long? OldestEnqueuedAt()
    {
        long? oldest = null;
        foreach (var queue in _classes)
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

    private sealed class ClassQueue
    {
        public PriorityQueue<T, (double Start, long Sequence)> Items { get; } = new();

        public Dictionary<string, double> LastFinish { get; } = new(StringComparer.Ordinal);

        public double VirtualTime { get; set; }
    }
}
