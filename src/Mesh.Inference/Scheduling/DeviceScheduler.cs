namespace Mesh.Inference.Scheduling;

/// <summary>
/// Shares one device's compute time between the models on it by tenant. Each model's worker is a
/// lane; before it runs a batch (or a generation step) it asks for a turn, and when a slot of the
/// device is free the scheduler grants it to the waiting lane with the best claim: the most urgent
/// priority class, then the tenant with the smallest weighted share of the device's recent time
/// (<see cref="TenantLedger"/>), then the longest wait. When the run ends its device time (wall
/// time over the device's speed) is charged to the tenants it served. A tenant saturating one model
/// therefore cannot starve another tenant's model on the same device: once its share is the larger,
/// every free slot goes to the other model while that one has work. Work-conserving: a lone lane
/// never waits.
/// </summary>
public sealed class DeviceScheduler
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiting = [];
    private readonly TimeProvider _time;
    private int _free;

    public DeviceScheduler(string device, int slots, double speed, TenantLedger ledger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(speed, 0);
        Device = device;
        Slots = slots;
        Speed = speed;
        Ledger = ledger;
        _time = time;
        _free = slots;
    }

    public string Device { get; }

    /// <summary>Runs the device executes at once.</summary>
    public int Slots { get; }

    /// <summary>Device time per wall time of a run: 1 for real devices; a simulated device's configured speed.</summary>
    public double Speed { get; }

    public TenantLedger Ledger { get; }

    public TimeProvider Time => _time;

    /// <summary>Lanes waiting for a turn now.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Device time of a run that took <paramref name="wall"/>.</summary>
    public double DeviceMs(TimeSpan wall) => wall.TotalMilliseconds / Speed;

    /// <summary>Waits for a turn of <paramref name="lane"/>; the turn must be completed or disposed.</summary>
    public DeviceTurn Acquire(IDeviceLane lane, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lane);
        Waiter waiter;
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                return new DeviceTurn(this, _time.GetTimestamp());
            }

            waiter = new Waiter(lane);
            _waiting.Add(waiter);
            Dispatch();
        }

        try
        {
            waiter.Granted.Wait(cancellationToken);
            return new DeviceTurn(this, _time.GetTimestamp());
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                if (!_waiting.Remove(waiter))
                {
                    // Granted as it was cancelled: hand the slot on.
                    _free++;
                    Dispatch();
                }
            }

            throw;
        }
        finally
        {
            waiter.Granted.Dispose();
        }
    }

    /// <summary>A turn at once when a slot is free and no lane waits (the idle fast path); false otherwise.</summary>
    public bool TryAcquire(out DeviceTurn turn)
    {
        lock (_lock)
        {
            if (_free > 0 && _waiting.Count == 0)
            {
                _free--;
                turn = new DeviceTurn(this, _time.GetTimestamp());
                return true;
            }
        }

        turn = null!;
        return false;
    }

    /// <summary>Makes lanes reconsider: a waiting lane's claim changed (new work arrived).</summary>
    public void Nudge()
    {
        lock (_lock)
        {
            Dispatch();
        }
    }

    internal void Release(DeviceTurn turn, IReadOnlyList<(string Tenant, double Units)>? served)
    {
        Charge(turn, served);
        lock (_lock)
        {
            _free++;
            Dispatch();
        }
    }

    /// <summary>
    /// Ends <paramref name="turn"/> (charging <paramref name="served"/>) and starts the lane's next: at
    /// once, keeping the slot, when no waiting lane has a better claim than <paramref name="lane"/>'s
    /// next work; otherwise the slot goes to the best waiting lane and this one waits its turn. A lane
    /// that always has work cannot keep the device from one owed more: the choice is made while both
    /// are there, not by who asks first.
    /// </summary>
    internal DeviceTurn Continue(DeviceTurn turn, IReadOnlyList<(string Tenant, double Units)>? served, IDeviceLane lane, CancellationToken cancellationToken)
    {
        Charge(turn, served);
        lock (_lock)
        {
            if (_waiting.Count == 0 || (lane.Claim() is { } mine && !_waiting.Any(w => w.Lane.Claim() is { } other && other < mine)))
            {
                return new DeviceTurn(this, _time.GetTimestamp());
            }

            _free++;
            Dispatch();
        }

        return Acquire(lane, cancellationToken);
    }

    private void Charge(DeviceTurn turn, IReadOnlyList<(string Tenant, double Units)>? served)
    {
        var deviceMs = DeviceMs(_time.GetElapsedTime(turn.StartedAt));
        if (served is { Count: > 0 })
        {
            var units = served.Sum(s => s.Units);
            foreach (var (tenant, share) in served)
            {
                Ledger.Charge(tenant, units > 0 ? deviceMs * share / units : deviceMs / served.Count);
            }
        }
    }

    /// <summary>Grants free slots to the waiting lanes with the best claims (under the lock).</summary>
    private void Dispatch()
    {
        while (_free > 0 && _waiting.Count > 0)
        {
            var best = 0;
            var bestClaim = _waiting[0].Lane.Claim();
            for (var i = 1; i < _waiting.Count; i++)
            {
                var claim = _waiting[i].Lane.Claim();
                if (bestClaim is null || (claim is not null && claim.Value < bestClaim.Value))
                {
                    (best, bestClaim) = (i, claim);
                }
            }

            var waiter = _waiting[best];
            _waiting.RemoveAt(best);
            _free--;
            waiter.Granted.Set();
        }
    }

    private sealed class Waiter(IDeviceLane lane)
    {
        public IDeviceLane Lane { get; } = lane;

        public ManualResetEventSlim Granted { get; } = new(false);
    }
}

/// <summary>One model worker as the device scheduler sees it.</summary>
public interface IDeviceLane
{
    /// <summary>What the lane's next turn would serve; null when it has nothing (it then goes last).</summary>
    LaneClaim? Claim();
}

/// <summary>
/// A granted turn on a device: complete it with the tenants served (charged by their units), or
/// dispose it; a lane with more work asks for its next turn with <see cref="Next"/>.
/// </summary>
public sealed class DeviceTurn(DeviceScheduler scheduler, long startedAt) : IDisposable
{
    private int _done;

    public long StartedAt { get; } = startedAt;

    /// <summary>Ends the turn, charging its device time to <paramref name="served"/> in proportion to their units of work.</summary>
    public void Complete(IReadOnlyList<(string Tenant, double Units)> served)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            scheduler.Release(this, served);
        }
    }

    /// <summary>Ends the turn (charging <paramref name="served"/>) and returns the lane's next one, which a lane owed more may get first.</summary>
    public DeviceTurn Next(IReadOnlyList<(string Tenant, double Units)> served, IDeviceLane lane, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lane);
        return Interlocked.Exchange(ref _done, 1) == 0 ? scheduler.Continue(this, served, lane, cancellationToken) : scheduler.Acquire(lane, cancellationToken);
    }

    public void Dispose() => Complete([]);
}
