namespace Mesh.Inference.Placement;

/// <summary>
/// Plays loads and unloads of model replicas on devices of given sizes through the
/// <see cref="PlacementPlanner"/>, applying each decision (moves included) to its own view of the
/// devices: capacity planning and the placement benchmark, without loading anything.
/// </summary>
public sealed class PlacementSimulator
{
    private readonly PlacementPlanner _planner;
    private readonly bool _consolidate;
    private readonly Dictionary<string, DeviceState> _devices;

    public PlacementSimulator(IEnumerable<(string Name, long CapacityBytes)> devices, bool consolidate, PlacementOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _planner = new PlacementPlanner(options ?? new PlacementOptions());
        _consolidate = consolidate;
        _devices = devices.ToDictionary(d => d.Name, d => new DeviceState(d.Name, true, d.CapacityBytes, 1, []), StringComparer.Ordinal);
    }

    /// <summary>Loads that would fit in the devices' free memory taken together.</summary>
    public int FitInFreeMemory { get; private set; }

    /// <summary>Loads some arrangement of whole replicas on the devices could hold (fewer than fit in free memory: a 6 GiB model fits no two devices with 4 GiB free each).</summary>
    public int Placeable { get; private set; }

    /// <summary>Of those, the loads placed.</summary>
    public int PlacedOfPlaceable { get; private set; }

    /// <summary>Replicas moved to make room.</summary>
    public int Moves { get; private set; }

    public IReadOnlyCollection<DeviceState> Devices => _devices.Values;

    /// <summary>Places a replica of <paramref name="model"/>; the device it went to, or null when refused.</summary>
    public string? Load(string model, long bytes)
    {
        var request = new PlacementRequest(model, bytes, 0, [[.. _devices.Keys]]);
        var fits = _devices.Values.Where(d => !d.Holds(model)).Sum(d => d.FreeBytes) >= bytes;
        var placeable = fits && ArrangementSearch.Exists(request, [.. _devices.Values]);
        FitInFreeMemory += fits ? 1 : 0;
        Placeable += placeable ? 1 : 0;
        string? device = null;
        switch (_planner.Plan(request, [.. _devices.Values], _consolidate))
        {
            case PlacementDecision.Place place:
                device = place.Device;
                break;
            case PlacementDecision.Consolidate plan:
                foreach (var move in plan.Moves)
                {
                    var moved = _devices[move.From].Replicas.First(r => r.Model == move.Model);
                    Remove(move.From, move.Model);
                    Add(move.To, moved);
                    Moves++;
                }

                device = plan.Device;
                break;
        }

        if (device is not null)
        {
            Add(device, new PlacedReplica(model, bytes));
            PlacedOfPlaceable += placeable ? 1 : 0;
        }

        return device;
    }

    /// <summary>Unloads every replica of <paramref name="model"/>.</summary>
    public void Unload(string model)
    {
        foreach (var name in _devices.Keys.ToList())
        {
            Remove(name, model);
        }
    }

    private void Add(string device, PlacedReplica replica) =>
        _devices[device] = _devices[device] with { Replicas = [.. _devices[device].Replicas, replica] };

    private void Remove(string device, string model) =>
        _devices[device] = _devices[device] with { Replicas = [.. _devices[device].Replicas.Where(r => r.Model != model)] };
}
