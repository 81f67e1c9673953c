using Mesh.Inference.Devices;
using Mesh.Inference.Models;

namespace Mesh.Inference.Placement;

/// <summary>
/// One loaded copy of a model on a device. Calls hold a lease on it while they use it; a replica
/// being moved or retired drains: it takes no new leases and is stopped once the calls it holds finish.
/// </summary>
public sealed class ModelReplica(IServedModel served, ComputeDevice? device)
{
    private int _leases;
    private volatile bool _draining;

    public IServedModel Served { get; } = served;

    /// <summary>Its device; null for a hosted model.</summary>
    public ComputeDevice? Device { get; } = device;

    public bool IsDraining => _draining;

    public string State => _draining ? "draining" : "active";

    /// <summary>Calls holding it now.</summary>
    public int Leases => Volatile.Read(ref _leases);

    /// <summary>Work on it per unit of device speed: where the next call goes (the least).</summary>
    public double Load => (Served.Queued + Served.Running + Leases) / (Device?.Speed ?? 1);

    /// <summary>Done with everything it was given.</summary>
    public bool IsIdle => Leases == 0 && Served.Queued == 0 && Served.Running == 0;

    /// <summary>A lease for one call, or null once it drains.</summary>
    public ModelLease? TryLease()
    {
        Interlocked.Increment(ref _leases);
        if (!_draining)
        {
            return new ModelLease(this);
        }

        Interlocked.Decrement(ref _leases);
        return null;
    }

    internal void BeginDrain() => _draining = true;

    internal void Return() => Interlocked.Decrement(ref _leases);
}

/// <summary>A call's hold on a replica: dispose it when the call ends.</summary>
public sealed class ModelLease(ModelReplica replica) : IDisposable
{
    private int _returned;

    public ModelReplica Replica { get; } = replica;

    public IServedModel Served => Replica.Served;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            Replica.Return();
        }
    }
}
