using Mesh.Inference.Models;

namespace Mesh.Inference.Scheduling;

/// <summary>
/// Dynamic batching for one model replica: one thread per instance takes up to <c>maxBatch</c>
/// waiting items in priority and fair order and runs them together, each run a turn on the
/// replica's device (<see cref="DeviceScheduler"/>), whose time is charged to the tenants served.
/// With a zero max queue delay a thread runs whatever waits as soon as it is free, so a lone call
/// never waits and calls that arrive while a run is busy form the next batch; with a delay it
/// waits up to that long (from the oldest item's arrival) for the batch to fill.
/// </summary>
public abstract class BatchWorker<T> : IDeviceLane, IDisposable
    where T : class, IScheduledWork
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];
    private readonly SemaphoreSlim _instances;
    private int _disposed;

    protected BatchWorker(ModelDescriptor descriptor, DeviceScheduler device, SchedulingOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(device);
        Descriptor = descriptor;
        Device = device;
        Time = time;
        Queue = new WorkQueue<T>(descriptor.Name, descriptor.MaxQueue, options, device.Ledger, time);
        _instances = new SemaphoreSlim(descriptor.Instances, descriptor.Instances);
    }

    public ModelDescriptor Descriptor { get; }

    public WorkQueue<T> Queue { get; }

    protected TimeProvider Time { get; }

    /// <summary>The device's scheduler: turns, and device time per wall time.</summary>
    protected DeviceScheduler Device { get; }

    /// <summary>Calls running now.</summary>
    public int Busy => Descriptor.Instances - _instances.CurrentCount;

    public bool IsStopped => _stop.IsCancellationRequested;

    public void Start()
    {
        for (var i = 0; i < Descriptor.Instances; i++)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"batch {Descriptor.Name} #{i}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Stops taking work; what still waits fails with <paramref name="reason"/>.</summary>
    public void Stop(Exception reason)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _stop.Cancel();
        foreach (var item in Queue.Take(int.MaxValue))
        {
            Fail(item, reason);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        foreach (var thread in _threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        _stop.Dispose();
        _instances.Dispose();
        Queue.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The fast path of an idle model: with no queue delay, nothing waiting and an instance
    /// free, the caller's thread runs its own items at once, saving two thread hand-offs.
    /// False (nothing done) otherwise: queue them.
    /// </summary>
    protected bool TryRunInline(List<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (Descriptor.MaxQueueDelay > TimeSpan.Zero || items.Count > Descriptor.MaxBatch || Queue.Count > 0 || IsStopped || !_instances.Wait(0))
        {
            return false;
        }

        if (!Device.TryAcquire(out var turn))
        {
            _instances.Release();
            return false;
        }

        try
        {
            Run(items);
            turn.Complete(Served(items));
        }
        finally
        {
            turn.Dispose();
            _instances.Release();
            if (Queue.Count > 0)
            {
                Queue.Wake();
            }
        }

        return true;
    }

    /// <summary>What the next batch would serve, for the device scheduler.</summary>
    public LaneClaim? Claim() => Queue.Claim();

    /// <summary>Runs one batch (items in fair order) and completes or fails each item.</summary>
    protected abstract void Run(List<T> batch);

    protected abstract void Fail(T item, Exception exception);

    private void Loop()
    {
        var token = _stop.Token;
        DeviceTurn? turn = null;
        List<(string Tenant, double Units)> served = [];
        while (!token.IsCancellationRequested)
        {
            try
            {
                Queue.Wait(Timeout.InfiniteTimeSpan, token);
                while (!token.IsCancellationRequested)
                {
                    if (turn is not null && WouldWaitForFullerBatch())
                    {
                        // Waiting to fill a batch: the device goes back meanwhile.
                        turn.Complete(served);
                        turn = null;
                    }

                    WaitForFullerBatch(token);
                    _instances.Wait(token);
                    try
                    {
                        turn = turn is null ? Device.Acquire(this, token) : turn.Next(served, this, token);
                        served = [];
                        var batch = Queue.Take(Descriptor.MaxBatch);
                        if (batch.Count == 0)
                        {
                            break;
                        }

                        Run(batch);
                        served = Served(batch);
                    }
                    finally
                    {
                        _instances.Release();
                    }
                }

                // Nothing waits: the device goes back before the wait.
                turn?.Complete(served);
                turn = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                turn?.Complete(served);
                return;
            }
        }

        turn?.Complete(served);
    }

    private bool WouldWaitForFullerBatch() =>
        Descriptor.MaxQueueDelay > TimeSpan.Zero && Queue.Count < Descriptor.MaxBatch && Queue.OldestEnqueuedAt() is { } oldest
        && Time.GetElapsedTime(oldest) < Descriptor.MaxQueueDelay;

    private static List<(string Tenant, double Units)> Served(List<T> batch) =>
        [.. batch.Where(i => !i.IsAbandoned).Select(i => (i.Tenant, i.Cost))];

    private void WaitForFullerBatch(CancellationToken token)
    {
        var delay = Descriptor.MaxQueueDelay;
        while (delay > TimeSpan.Zero && Queue.Count < Descriptor.MaxBatch && Queue.OldestEnqueuedAt() is { } oldest)
        {
            var remaining = delay - Time.GetElapsedTime(oldest);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            Queue.Wait(remaining, token);
        }
    }
}
