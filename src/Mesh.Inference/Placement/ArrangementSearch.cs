namespace Mesh.Inference.Placement;

/// <summary>
/// Exhaustive search for an arrangement of a device group's movable replicas, plus one new
/// replica, in which everything fits: the one that moves the fewest bytes (replicas are tried on
/// their own device first, so a cheap arrangement is found early and bounds the rest). Bin
/// packing is hard in general, so the search stops after <see cref="NodeLimit"/> steps with the
/// best arrangement found so far (or none); groups of a few devices and a dozen replicas finish.
/// </summary>
internal sealed class ArrangementSearch
{
    private const int NodeLimit = 200_000;

    private readonly Item[] _items;
    private readonly string[] _devices;
    private readonly long[] _free;
    private readonly HashSet<string>[] _models;
    private readonly int[] _assignment;
    private int[]? _best;
    private long _bestMoved = long.MaxValue;
    private int _nodes;

    private ArrangementSearch(PlacementRequest request, IReadOnlyList<DeviceState> group)
    {
        _devices = [.. group.Select(d => d.Name)];
        _free = [.. group.Select(d => d.CapacityBytes - d.Replicas.Where(r => !r.Movable).Sum(r => r.Bytes))];
        _models = [.. group.Select(d => d.Replicas.Where(r => !r.Movable).Select(r => r.Model).ToHashSet(StringComparer.Ordinal))];
        _items = [.. group.SelectMany((d, i) => d.Replicas.Where(r => r.Movable).Select(r => new Item(r.Model, r.Bytes, i)))
            .Append(new Item(request.Model, request.Bytes, -1))
            .OrderByDescending(i => i.Bytes)];
        _assignment = new int[_items.Length];
    }

    /// <summary>The cheapest arrangement found: the moves it takes (unordered) and the device the new replica goes to; null when none was found.</summary>
    public static (List<ReplicaMove> Moves, string Device)? Find(PlacementRequest request, IReadOnlyList<DeviceState> group)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(group);
        var search = new ArrangementSearch(request, group);
        search.Place(0, 0);
        return search.Result();
    }

    /// <summary>Whether some arrangement of every replica of the group (all treated as movable) and the new one fits.</summary>
    public static bool Exists(PlacementRequest request, IReadOnlyList<DeviceState> group) =>
        Find(request, [.. group.Select(d => d with { Replicas = [.. d.Replicas.Select(r => r with { Movable = true })] })]) is not null;

    private void Place(int index, long moved)
    {
        if (moved >= _bestMoved || ++_nodes > NodeLimit)
        {
            return;
        }

        if (index == _items.Length)
        {
            (_best, _bestMoved) = ([.. _assignment], moved);
            return;
        }

        var item = _items[index];
        foreach (var device in Candidates(item))
        {
            if (_free[device] < item.Bytes || !_models[device].Add(item.Model))
            {
                continue;
            }

            _free[device] -= item.Bytes;
            _assignment[index] = device;
            Place(index + 1, moved + (item.From >= 0 && item.From != device ? item.Bytes : 0));
            _free[device] += item.Bytes;
            _models[device].Remove(item.Model);
        }
    }

    /// <summary>Its own device first (staying costs nothing), then the rest in order.</summary>
    private IEnumerable<int> Candidates(Item item)
    {
        if (item.From >= 0)
        {
            yield return item.From;
        }

        for (var device = 0; device < _devices.Length; device++)
        {
            if (device != item.From)
            {
                yield return device;
            }
        }
    }

    private (List<ReplicaMove> Moves, string Device)? Result()
    {
        if (_best is null)
        {
            return null;
        }

        var moves = new List<ReplicaMove>();
        string? target = null;
        for (var i = 0; i < _items.Length; i++)
        {
            var (item, to) = (_items[i], _best[i]);
            if (item.From < 0)
            {
                target = _devices[to];
            }
            else if (item.From != to)
            {
                moves.Add(new ReplicaMove(item.Model, item.Bytes, _devices[item.From], _devices[to]));
            }
        }

        return (moves, target!);
    }

    /// <summary>A replica to arrange: its model, size and the device it is on (-1 for the new one).</summary>
    private readonly record struct Item(string Model, long Bytes, int From);
}
