namespace Mesh.Inference.Placement;

/// <summary>
/// Decides where a model replica goes. Within the first preference group with room it prefers
/// devices whose expected load stays under <see cref="PlacementOptions.BusyLoad"/>, and among
/// those the tightest fit (best fit keeps large free blocks whole for large models); when only
/// busy devices have room, the least loaded. When no device of a group has room but the group's
/// free memory would hold the model, it plans a consolidation: the fewest bytes of movable replicas
/// to move off one device onto the others (each to its own best fit) so that the model fits
/// there, trying every device and keeping the cheapest plan. Pure: it reads states and decides.
/// </summary>
public sealed class PlacementPlanner(PlacementOptions options)
{
    /// <summary>Most replicas on one device whose subsets are searched exactly (more: largest first).</summary>
    private const int ExactSearchLimit = 12;

    public PlacementDecision Plan(PlacementRequest request, IReadOnlyList<DeviceState> devices, bool consolidate)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(devices);
        var byName = devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var names in request.DeviceGroups)
        {
            var group = names.Where(byName.ContainsKey).Select(n => byName[n]).ToList();
            var open = group.Where(d => !d.Holds(request.Model)).ToList();
            if (Fit(request, open) is { } device)
            {
                return new PlacementDecision.Place(device.Name);
            }

            if (consolidate && open.Sum(d => Math.Max(0, d.FreeBytes)) >= request.Bytes && Consolidation(request, group) is { } plan)
            {
                return plan;
            }
        }

        var all = request.DeviceGroups.SelectMany(g => g).Where(byName.ContainsKey).Select(n => byName[n]).Where(d => !d.Holds(request.Model)).ToList();
        var largest = all.OrderByDescending(d => d.FreeBytes).FirstOrDefault();
        return new PlacementDecision.Refuse(largest is null
            ? $"no device may hold another replica of model '{request.Model}'"
            : $"no device has {Mib(request.Bytes)} MiB free for model '{request.Model}' (largest free: {Mib(largest.FreeBytes)} MiB on {largest.Name}; " +
              $"free in all: {Mib(all.Sum(d => d.FreeBytes))} MiB{(consolidate ? "; no move of other models makes room" : "")}); see ListDevices");
    }

    /// <summary>The device a model of this request goes to among <paramref name="candidates"/>, or null when none has room.</summary>
    public DeviceState? Fit(PlacementRequest request, IEnumerable<DeviceState> candidates)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fitting = candidates.Where(d => d.FreeBytes >= request.Bytes).ToList();
        var calm = fitting.Where(d => d.Load + (request.ExpectedLoad / d.Speed) <= options.BusyLoad).ToList();
        return calm.Count > 0
            ? calm.OrderBy(d => d.FreeBytes - request.Bytes).ThenBy(d => d.Load).ThenBy(d => d.Name, StringComparer.Ordinal).First()
            : fitting.OrderBy(d => d.Load + (request.ExpectedLoad / d.Speed)).ThenBy(d => d.FreeBytes - request.Bytes).FirstOrDefault();
    }

    private PlacementDecision.Consolidate? Consolidation(PlacementRequest request, IReadOnlyList<DeviceState> group)
    {
        (long Moved, int Count, List<ReplicaMove> Moves, string Target)? best = null;
        foreach (var target in group.Where(d => !d.Holds(request.Model) && d.CapacityBytes >= request.Bytes))
        {
            var need = request.Bytes - target.FreeBytes;
            var movable = target.Replicas.Where(r => r.Movable).OrderByDescending(r => r.Bytes).ToList();
            if (movable.Sum(r => r.Bytes) < need)
            {
                continue;
            }

            foreach (var subset in Subsets(movable, need))
            {
                var moved = subset.Sum(r => r.Bytes);
                if (best is { } known && (moved > known.Moved || (moved == known.Moved && subset.Count >= known.Count)))
                {
                    continue;
                }

                if (Rehome(subset, target, group) is { } moves)
                {
                    best = (moved, subset.Count, moves, target.Name);
                }
            }
        }

        return best is { } plan ? new PlacementDecision.Consolidate(plan.Moves, plan.Target) : null;
    }

    /// <summary>Where each replica of <paramref name="subset"/> goes off <paramref name="source"/> (largest first, each to its best fit), or null if one has nowhere to go.</summary>
    private List<ReplicaMove>? Rehome(IReadOnlyList<PlacedReplica> subset, DeviceState source, IReadOnlyList<DeviceState> group)
    {
        var states = group.Where(d => d.Name != source.Name).ToDictionary(d => d.Name, d => d, StringComparer.Ordinal);
        var moves = new List<ReplicaMove>();
        foreach (var replica in subset.OrderByDescending(r => r.Bytes))
        {
            var move = new PlacementRequest(replica.Model, replica.Bytes, replica.ExpectedLoad, []);
            if (Fit(move, states.Values.Where(d => !d.Holds(replica.Model))) is not { } to)
            {
                return null;
            }

            states[to.Name] = to with { Replicas = [.. to.Replicas, replica with { Movable = false }] };
            moves.Add(new ReplicaMove(replica.Model, replica.Bytes, source.Name, to.Name));
        }

        return moves;
    }

    /// <summary>Subsets of <paramref name="replicas"/> (largest first) whose bytes reach <paramref name="need"/>: all of them for a few replicas, else growing prefixes.</summary>
    private static IEnumerable<List<PlacedReplica>> Subsets(List<PlacedReplica> replicas, long need)
    {
        if (replicas.Count <= ExactSearchLimit)
        {
            for (var mask = 1; mask < 1 << replicas.Count; mask++)
            {
                var subset = replicas.Where((_, i) => (mask & (1 << i)) != 0).ToList();
                if (subset.Sum(r => r.Bytes) >= need)
                {
                    yield return subset;
                }
            }

            yield break;
        }

        var prefix = new List<PlacedReplica>();
        foreach (var replica in replicas)
        {
            prefix.Add(replica);
            if (prefix.Sum(r => r.Bytes) >= need)
            {
                yield return [.. prefix];
            }
        }
    }

    private static long Mib(long bytes) => bytes >> 20;
}
