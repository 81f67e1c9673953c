namespace Mesh.Inference.Placement;

/// <summary>
/// Decides where a model replica goes. Within the first preference group with room it prefers
/// devices whose expected load stays under <see cref="PlacementOptions.BusyLoad"/>, and among
/// those the tightest fit (best fit keeps large free blocks whole for large models); when only
/// busy devices have room, the least loaded. When no device of a group has room but the group's
/// free memory would hold the model, it plans a consolidation: the fewest bytes of movable replicas
/// to move off one device onto the others (each to its own best fit) so that the model fits
/// there, trying every device and keeping the cheapest plan; when no single device can be emptied
/// enough that way, it searches the arrangements of the whole group for the one that moves the
/// fewest bytes (<see cref="ArrangementSearch"/>; a best-fit repack when the search gives up), and
/// moves what changed in an order where each move finds room on its new device before its old copy
/// drains, or, where no such order exists, drains one first and reloads it last. Pure: it reads
/// states and decides.
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

            if (consolidate && open.Sum(d => Math.Max(0, d.FreeBytes)) >= request.Bytes && (Consolidation(request, group) ?? Search(request, group) ?? Repack(request, group)) is { } plan)
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

    private static PlacementDecision.Consolidate? Search(PlacementRequest request, IReadOnlyList<DeviceState> group) =>
        ArrangementSearch.Find(request, group) is { } found ? new PlacementDecision.Consolidate(Order(found.Moves, group), found.Device) : null;

    /// <summary>
    /// A new arrangement of the group's movable replicas with room for the request (best fit,
    /// largest first; a replica stays put when it still fits there, or, failing that arrangement,
    /// wherever fits best), and the moves that reach it in an order each finds room; null if none.
    /// </summary>
    private static PlacementDecision.Consolidate? Repack(PlacementRequest request, IReadOnlyList<DeviceState> group)
    {
        PlacementDecision.Consolidate? best = null;
        foreach (var stay in new[] { true, false })
        {
            if (Arrange(request, group, stay) is { } plan && (best is null || plan.Moves.Count < best.Moves.Count))
            {
                best = plan;
            }
        }

        return best;
    }

    private static PlacementDecision.Consolidate? Arrange(PlacementRequest request, IReadOnlyList<DeviceState> group, bool stay)
    {
        var free = group.ToDictionary(d => d.Name, d => d.CapacityBytes - d.Replicas.Where(r => !r.Movable).Sum(r => r.Bytes), StringComparer.Ordinal);
        var models = group.ToDictionary(d => d.Name, d => d.Replicas.Where(r => !r.Movable).Select(r => r.Model).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var items = group.SelectMany(d => d.Replicas.Where(r => r.Movable).Select(r => (r.Model, r.Bytes, From: (string?)d.Name)))
            .Append((request.Model, request.Bytes, From: null)).OrderByDescending(i => i.Bytes).ToList();
        var moves = new List<ReplicaMove>();
        string? target = null;
        foreach (var (model, bytes, from) in items)
        {
            var to = stay && from is not null && free[from] >= bytes && !models[from].Contains(model)
                ? from
                : free.Where(f => f.Value >= bytes && !models[f.Key].Contains(model)).OrderBy(f => f.Value - bytes).ThenBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key).FirstOrDefault();
            if (to is null)
            {
                return null;
            }

            free[to] -= bytes;
            models[to].Add(model);
            if (from is null)
            {
                target = to;
            }
            else if (to != from)
            {
                moves.Add(new ReplicaMove(model, bytes, from, to));
            }
        }

        return new PlacementDecision.Consolidate(Order(moves, group), target!);
    }

    /// <summary>
    /// The moves in an order where each new copy finds room before its old one is freed; when none
    /// of the rest can go that way (a cycle of full devices), the largest drains first and reloads
    /// last, which frees its room for the others. The final arrangement fits, so the reloads do too.
    /// </summary>
    private static List<ReplicaMove> Order(List<ReplicaMove> moves, IReadOnlyList<DeviceState> group)
    {
        var free = group.ToDictionary(d => d.Name, d => d.FreeBytes, StringComparer.Ordinal);
        var pending = new List<ReplicaMove>(moves);
        var ordered = new List<ReplicaMove>();
        while (pending.Count > 0)
        {
            var next = pending.FirstOrDefault(m => free[m.To] >= m.Bytes);
            if (next is null)
            {
                var largest = pending.MaxBy(m => m.Bytes)!;
                pending.Remove(largest);
                free[largest.From] += largest.Bytes;
                ordered.Add(largest with { ReloadLast = true });
                continue;
            }

            free[next.To] -= next.Bytes;
            free[next.From] += next.Bytes;
            pending.Remove(next);
            ordered.Add(next);
        }

        return ordered;
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
