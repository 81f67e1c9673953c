using System.Collections.Concurrent;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Placement;

/// <summary>
/// What each model needs on a device, as placement plans with: what it measured the last time it
/// loaded (weights, workspace, key-value budget); before its first load, its declared memoryMiB or
/// its file size times <see cref="OnnxSessionFactory.MemoryFactor"/> plus its declared key-value budget.
/// </summary>
public sealed class ModelFootprints(IOptions<InferenceOptions> options)
{
    private readonly ConcurrentDictionary<string, long> _measured = new(StringComparer.Ordinal);

    public long Estimate(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_measured.TryGetValue(descriptor.Name, out var measured))
        {
            return measured;
        }

        var path = descriptor.PackagePath(options.Value.ResolvedModelRoot);
        var file = File.Exists(path) ? new FileInfo(path).Length : 0;
        return Math.Max(descriptor.MemoryBytes, file * OnnxSessionFactory.MemoryFactor) + descriptor.KvCacheBytes;
    }

    /// <summary>What a replica reserves once loaded: what it measured, at least its declared memory, plus its key-value budget.</summary>
    public long Record(ModelDescriptor descriptor, Devices.MemoryUse measured)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(measured);
        var bytes = Math.Max(measured.WeightsBytes + measured.WorkspaceBytes, descriptor.MemoryBytes) + measured.KvBudgetBytes;
        _measured[descriptor.Name] = bytes;
        return bytes;
    }

    /// <summary>The sizes known for <paramref name="models"/> (measured or estimated).</summary>
    public IReadOnlyList<long> Of(IEnumerable<ModelDescriptor> models) => [.. models.Select(Estimate)];
}
