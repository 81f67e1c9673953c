namespace Mesh.Inference.Scheduling;

/// <summary>
/// The waiting room of one model: a <see cref="FairQueue{T}"/> behind a lock, with the model's
/// and each tenant's queue limits, a wake-up signal for the model's worker, and the recent
/// service time per unit of cost, which sizes the retry hint of a refused call and what a take
/// counts against a tenant before the run charges the device's ledger.
/// </summary>
public sealed class WorkQueue<T> : IDisposable
    where T : class, IScheduledWork
{
    private readonly FairQueue<T> _queue;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly int _maxQueued;
    private readonly int _maxQueuedPerTenant;
    private readonly string _model;
    private double _millisecondsPerCost = 1;

    /// <summary>A standalone queue (tenants share what it hands out).</summary>
    public WorkQueue(string model, int maxQueued, SchedulingOptions options)
        : this(model, maxQueued, options, new FairQueue<T>(Weights(options)))
    {
    }

    /// <summary>The queue of a model on a device: tenants share the device's time (<paramref name="ledger"/>).</summary>
    public WorkQueue(string model, int maxQueued, SchedulingOptions options, TenantLedger ledger, TimeProvider time)
        : this(model, maxQueued, options, new FairQueue<T>(ledger, time, options?.PriorityAging ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    private WorkQueue(string model, int maxQueued, SchedulingOptions options, FairQueue<T> queue)
    {
        _model = model;
        _maxQueued = maxQueued;
        _maxQueuedPerTenant = Math.Min(maxQueued, options.MaxQueuedPerTenant);
        _queue = queue;
    }

    public int Count
    {
        get
        {
            lock (_queue)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="items"/> together, or throws ResourceExhausted with a retry hint.</summary>
    public void Enqueue(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            return;
        }

        var tenant = items[0].Tenant;
        lock (_queue)
        {
            if (_queue.Count + items.Count > _maxQueued)
            {
                throw QueueFull.Create($"model '{_model}' has {_queue.Count} calls waiting, its limit is {_maxQueued}", RetryAfter(_queue.Count));
            }

            if (_queue.CountOf(tenant) + items.Count > _maxQueuedPerTenant)
            {
                throw QueueFull.Create(
                    $"tenant '{tenant}' has {_queue.CountOf(tenant)} calls waiting for model '{_model}', its limit is {_maxQueuedPerTenant}", RetryAfter(_queue.CountOf(tenant)));
            }

            foreach (var item in items)
            {
                _queue.Enqueue(item);
            }
        }

        _signal.Release();
    }

    /// <summary>Takes up to <paramref name="max"/> live items in priority and fair order.</summary>
    public List<T> Take(int max)
    {
        var taken = new List<T>(Math.Min(max, 64));
        lock (_queue)
        {
            _queue.BeginTake();
            while (taken.Count < max && _queue.TryDequeue(out var item))
            {
                taken.Add(item);
            }
        }

        return taken;
    }

    /// <summary>What the next item would claim on the device; null when nothing waits.</summary>
    public LaneClaim? Claim()
    {
        lock (_queue)
        {
            return _queue.Claim();
        }
    }

    public long? OldestEnqueuedAt()
    {
        lock (_queue)
        {
            return _queue.OldestEnqueuedAt();
        }
    }

    /// <summary>Waits until work may be waiting (or <paramref name="timeout"/> passes).</summary>
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken) => _signal.Wait(timeout, cancellationToken);

    /// <summary>Wakes the worker (an item was abandoned, or the model is stopping).</summary>
    public void Wake() => _signal.Release();

    /// <summary>Feeds the retry hint: how long <paramref name="cost"/> units of work took.</summary>
    public void Observe(double cost, TimeSpan elapsed)
    {
        if (cost > 0)
        {
            var sample = elapsed.TotalMilliseconds / cost;
            var rate = (0.8 * Volatile.Read(ref _millisecondsPerCost)) + (0.2 * sample);
            Interlocked.Exchange(ref _millisecondsPerCost, rate);
            lock (_queue)
            {
                _queue.MillisecondsPerCost = rate;
            }
        }
    }

    public void Dispose() => _signal.Dispose();

    private static Func<string, double> Weights(SchedulingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.WeightOf;
    }

    private TimeSpan RetryAfter(int ahead) => TimeSpan.FromMilliseconds(Math.Max(1, ahead) * Volatile.Read(ref _millisecondsPerCost));
}
