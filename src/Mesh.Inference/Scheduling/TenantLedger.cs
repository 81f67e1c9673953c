namespace Mesh.Inference.Scheduling;

/// <summary>
/// Recent device time per tenant on one device: every charge decays with a half-life, so a
/// tenant's share is what it used lately, not since the server started, and an idle tenant's
/// history fades instead of being forgotten at once. Weighted shares (recent ms / weight) are
/// what the device scheduler equalizes. Also keeps the device's own totals: lifetime device time
/// and recent busy time, from which its utilization follows. Thread-safe.
/// </summary>
public sealed class TenantLedger : ITenantShares
{
    private const string Device = "";
    private readonly Dictionary<string, Decayed> _recent = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly Func<string, double> _weightOf;
    private readonly TimeSpan _halfLife;
    private readonly TimeProvider _time;
    private double _totalMs;

    public TenantLedger(Func<string, double> weightOf, TimeSpan halfLife, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(weightOf);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(halfLife, TimeSpan.Zero);
        _weightOf = weightOf;
        _halfLife = halfLife;
        _time = time;
    }

    /// <summary>Device time charged since the ledger was made.</summary>
    public double TotalMs
    {
        get
        {
            lock (_lock)
            {
                return _totalMs;
            }
        }
    }

    /// <summary>Adds <paramref name="ms"/> of device time used by <paramref name="tenant"/>.</summary>
    public void Charge(string tenant, double ms)
    {
        if (ms <= 0)
        {
            return;
        }

        lock (_lock)
        {
            var now = _time.GetTimestamp();
            Add(tenant, ms, now);
            Add(Device, ms, now);
            _totalMs += ms;
        }
    }

    /// <summary>The tenant's recent device time in ms (decayed).</summary>
    public double Recent(string tenant)
    {
        lock (_lock)
        {
            return Read(tenant, _time.GetTimestamp());
        }
    }

    public double Weight(string tenant) => Math.Max(_weightOf(tenant), 1e-6);

    public double Share(string tenant) => Recent(tenant) / Weight(tenant);

    /// <summary>
    /// The fraction of time the device was busy lately: a device busy all the time accumulates
    /// half-life / ln 2 ms of decayed time, so the decayed total over that is the busy fraction.
    /// </summary>
    public double Busy(int slots)
    {
        lock (_lock)
        {
            var steady = _halfLife.TotalMilliseconds / Math.Log(2);
            return Math.Clamp(Read(Device, _time.GetTimestamp()) / (steady * Math.Max(1, slots)), 0, 1);
        }
    }

    /// <summary>Each tenant's recent device time share of the device's recent total (0..1), largest first.</summary>
    public IReadOnlyList<(string Tenant, double Fraction)> Fractions()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var total = Read(Device, now);
            return total <= 0 ? [] : [.. _recent.Keys.Where(t => t != Device).Select(t => (t, Read(t, now) / total)).OrderByDescending(p => p.Item2)];
        }
    }

    private void Add(string key, double ms, long now) => _recent[key] = new Decayed(Read(key, now) + ms, now);

    private double Read(string key, long now)
    {
        if (!_recent.TryGetValue(key, out var entry))
        {
            return 0;
        }

        var age = _time.GetElapsedTime(entry.At, now);
        return age <= TimeSpan.Zero ? entry.Ms : entry.Ms * Math.Pow(0.5, age / _halfLife);
    }

    private readonly record struct Decayed(double Ms, long At);
}

/// <summary>Weighted recent use per tenant, as the fair queues order tenants by.</summary>
public interface ITenantShares
{
    /// <summary>Recent device time over weight: the smaller, the more the tenant is owed.</summary>
    double Share(string tenant);

    double Weight(string tenant);
}
