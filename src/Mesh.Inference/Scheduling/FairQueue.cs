namespace Mesh.Inference.Scheduling;

/// <summary>
/// The waiting work of one model, ordered by priority class and then by tenant share. Classes
/// are strict (interactive, which needs a grant, before standard before batch), except that work
/// waiting longer than the aging interval moves up a class per interval, so no class starves.
/// Within a class the next item comes from the tenant owed the most: the smallest weighted recent
/// device time. On a device that time comes from the device's <see cref="TenantLedger"/>, so a
/// tenant's use of every model on the device counts, and what a take has already handed out (its
/// cost at the model's recent milliseconds per unit) counts on top until the run charges the ledger.
/// Standalone (no ledger), each item's cost is charged as it is taken and the history is forgotten
/// when the queue empties: start-time fair queueing. Not thread-safe: the owner locks.
/// </summary>
public sealed class FairQueue<T>
    where T : class, IScheduledWork
{
    private readonly Dictionary<string, TenantQueue> _tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _taken = new(StringComparer.Ordinal);
    private readonly ITenantShares? _ledger;
    private readonly Func<string, double> _weightOf;
    private readonly TimeProvider? _time;
    private readonly TimeSpan _aging;
    private long _sequence;

    /// <summary>A standalone queue: shares are what each tenant took from this queue while it had work.</summary>
    public FairQueue(Func<string, double> weightOf, TimeProvider? time = null, TimeSpan aging = default)
    {
        ArgumentNullException.ThrowIfNull(weightOf);
        _weightOf = weightOf;
        _time = time;
        _aging = aging;
    }

    /// <summary>A queue of a model on a device: shares come from the device's ledger.</summary>
    public FairQueue(ITenantShares ledger, TimeProvider time, TimeSpan aging)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _weightOf = ledger.Weight;
        _time = time;
        _aging = aging;
    }

    /// <summary>Items waiting, abandoned ones included until they are skipped.</summary>
    public int Count { get; private set; }

    /// <summary>Device milliseconds one unit of cost takes (the model's recent rate); 1 until measured.</summary>
    public double MillisecondsPerCost { get; set; } = 1;

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

    /// <summary>Starts a take: on a device, what earlier takes handed out is in the ledger by now.</summary>
    public void BeginTake()
    {
        if (_ledger is not null)
        {
            _taken.Clear();
        }
    }

    /// <summary>The next live item in class and share order, dropping abandoned ones on the way.</summary>
    public bool TryDequeue(out T item)
    {
        var now = _time?.GetTimestamp() ?? 0;
        while (Next(now) is { } tenant)
        {
            var queue = _tenants[tenant];
            var next = queue.Items.Dequeue();
            Count--;
            if (queue.Items.Count == 0)
            {
                _tenants.Remove(tenant);
            }

            if (Count == 0 && _ledger is null)
            {
                // An idle standalone queue forgets history: a tenant that was alone earns no credit or debt.
                _taken.Clear();
            }
            else if (!next.IsAbandoned)
            {
                _taken[tenant] = _taken.GetValueOrDefault(tenant) + (next.Cost * MillisecondsPerCost);
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

    /// <summary>What the next item would claim on the device: its class (after aging), its tenant's share and when it was queued; null when empty.</summary>
    public LaneClaim? Claim()
    {
        var now = _time?.GetTimestamp() ?? 0;
        if (Next(now) is not { } tenant || !_tenants[tenant].Items.TryPeek(out var head, out _))
        {
            return null;
        }

        return new LaneClaim(EffectiveClass(head, now), ShareOf(tenant), head.EnqueuedAt);
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

    /// <summary>The tenant to serve next: best class of its head item, then smallest share, then the earliest queued.</summary>
    private string? Next(long now)
    {
        string? best = null;
        (int Class, double Share, long Sequence) bestKey = default;
        foreach (var (tenant, queue) in _tenants)
        {
            if (!queue.Items.TryPeek(out var head, out var order))
            {
                continue;
            }

            var key = (EffectiveClass(head, now), ShareOf(tenant), order.Sequence);
            if (best is null || key.CompareTo(bestKey) < 0)
            {
                (best, bestKey) = (tenant, key);
            }
        }

        return best;
    }

    private double ShareOf(string tenant) =>
        (_ledger?.Share(tenant) ?? 0) + (_taken.GetValueOrDefault(tenant) / Math.Max(_weightOf(tenant), 1e-6));

    /// <summary>The item's class, one better for each aging interval it has waited.</summary>
    private int EffectiveClass(T item, long now)
    {
        var priority = (int)item.Priority;
        if (_time is null || _aging <= TimeSpan.Zero || priority == 0)
        {
            return priority;
        }

        var waited = _time.GetElapsedTime(item.EnqueuedAt, now);
        return Math.Max(0, priority - (int)(waited / _aging));
    }

    private sealed class TenantQueue
    {
        public PriorityQueue<T, (int Priority, long Sequence)> Items { get; } = new();
    }
}

/// <summary>
/// What a lane's next turn on a device would serve: the best priority class waiting (0 is
/// interactive), the weighted recent device time of the tenant owed the most, and since when it waits.
/// </summary>
public readonly record struct LaneClaim(int Class, double Share, long Since) : IComparable<LaneClaim>
{
    public int CompareTo(LaneClaim other) => (Class, Share, Since).CompareTo((other.Class, other.Share, other.Since));

    public static LaneClaim Better(LaneClaim? a, LaneClaim? b) =>
        a is null ? b!.Value : b is null ? a.Value : a.Value.CompareTo(b.Value) <= 0 ? a.Value : b.Value;

    public static bool operator <(LaneClaim left, LaneClaim right) => left.CompareTo(right) < 0;

    public static bool operator >(LaneClaim left, LaneClaim right) => left.CompareTo(right) > 0;

    public static bool operator <=(LaneClaim left, LaneClaim right) => left.CompareTo(right) <= 0;

    public static bool operator >=(LaneClaim left, LaneClaim right) => left.CompareTo(right) >= 0;
}
