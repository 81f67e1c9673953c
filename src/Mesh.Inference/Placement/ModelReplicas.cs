using System.Collections.Concurrent;

namespace Mesh.Inference.Placement;

/// <summary>The replicas of every loaded model, and which one each call goes to.</summary>
public sealed class ModelReplicas
{
    private readonly ConcurrentDictionary<string, List<ModelReplica>> _models = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A model's replicas, draining ones included.</summary>
    public IReadOnlyList<ModelReplica> Of(string model)
    {
        if (!_models.TryGetValue(model, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    public IReadOnlyList<ModelReplica> Active(string model) => [.. Of(model).Where(r => !r.IsDraining)];

    /// <summary>Every model's replicas.</summary>
    public IReadOnlyList<(string Model, IReadOnlyList<ModelReplica> Replicas)> All() =>
        [.. _models.Keys.Select(m => (m, Of(m))).Where(p => p.Item2.Count > 0)];

    /// <summary>A lease on the least loaded active replica, or null when none is active.</summary>
    public ModelLease? Lease(string model)
    {
        foreach (var replica in Active(model).OrderBy(r => r.Load))
        {
            if (replica.TryLease() is { } lease)
            {
                return lease;
            }
        }

        return null;
    }

    /// <summary>The first active replica (what ListModels shows first).</summary>
    public ModelReplica? Primary(string model) => Active(model) is [var first, ..] ? first : null;

    public void Add(string model, ModelReplica replica)
    {
        var list = _models.GetOrAdd(model, _ => []);
        lock (list)
        {
            list.Add(replica);
        }
    }

    public bool Remove(string model, ModelReplica replica)
    {
        if (!_models.TryGetValue(model, out var list))
        {
            return false;
        }

        lock (list)
        {
            return list.Remove(replica);
        }
    }

    /// <summary>Takes every replica of a model out (an unload).</summary>
    public IReadOnlyList<ModelReplica> RemoveAll(string model)
    {
        if (!_models.TryRemove(model, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }
}
