namespace Mesh.Inference.Placement;

/// <summary>A device as placement sees it: its memory, speed and the replicas on it.</summary>
public sealed record DeviceState(string Name, bool IsAccelerator, long CapacityBytes, double Speed, IReadOnlyList<PlacedReplica> Replicas)
{
    public long FreeBytes => CapacityBytes - Replicas.Sum(r => r.Bytes);

    /// <summary>The expected load of its replicas over its speed.</summary>
    public double Load => Replicas.Sum(r => r.ExpectedLoad) / Speed;

    public bool Holds(string model) => Replicas.Any(r => r.Model == model);
}

/// <summary>A model replica on a device: its reservation, its expected load, and whether it may be moved.</summary>
public sealed record PlacedReplica(string Model, long Bytes, double ExpectedLoad = 0, bool Movable = true);

/// <summary>
/// A model to place: its size, its expected load, and the devices it may go to in order of
/// preference groups (each inner list a group: accelerators, then the CPU).
/// </summary>
public sealed record PlacementRequest(string Model, long Bytes, double ExpectedLoad, IReadOnlyList<IReadOnlyList<string>> DeviceGroups);

/// <summary>
/// Moves a replica of <paramref name="Model"/> from one device to another: load there, then drain
/// here. With <paramref name="ReloadLast"/> the old replica drains at this point of the plan and the
/// new one loads after the plan's other moves: no order lets every copy load before its old one
/// drains (two full devices swapping models), so calls to the model wait for the reload unless it
/// has another replica.
/// </summary>
public sealed record ReplicaMove(string Model, long Bytes, string From, string To, bool ReloadLast = false);

/// <summary>Where a model goes.</summary>
public abstract record PlacementDecision
{
    /// <summary>Straight onto <paramref name="Device"/>.</summary>
    public sealed record Place(string Device) : PlacementDecision;

    /// <summary>Onto <paramref name="Device"/> once <paramref name="Moves"/> made room there.</summary>
    public sealed record Consolidate(IReadOnlyList<ReplicaMove> Moves, string Device) : PlacementDecision;

    /// <summary>Nowhere: why.</summary>
    public sealed record Refuse(string Reason) : PlacementDecision;
}
