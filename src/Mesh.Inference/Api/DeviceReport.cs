using Mesh.Inference.Devices;
using Mesh.Inference.Generation;
using Mesh.Inference.Placement;
using Mesh.Inference.V1;

namespace Mesh.Inference.Api;

/// <summary>
/// ListDevices and the replicas of ListModels: each device's memory (capacity, reservations, what
/// its replicas measured, free and fragmented), its compute time and recent busy share, its tenants'
/// shares (all for an admin, the caller's own otherwise), and each replica's memory, queue and
/// key-value pool with its prefix-cache counters.
/// </summary>
public sealed class DeviceReport(DevicePool devices, DeviceMetrics metrics, ModelReplicas replicas, ReplicaPlacer placer)
{
    public ListDevicesResponse Devices(string tenant, bool admin)
    {
        var reference = placer.ReferenceSizes();
        var response = new ListDevicesResponse { Fragmentation = devices.Fragmentation(reference), ReplicaMoves = placer.Moves };
        var onDevice = replicas.All().SelectMany(m => m.Replicas).Where(r => r.Device is not null).ToLookup(r => r.Device!.Name);
        foreach (var device in devices.Devices)
        {
            var (used, utilization) = metrics.Reading(device.Name);
            var measured = device.Measured;
            var ledger = device.Scheduler.Ledger;
            var info = new DeviceInfo
            {
                Name = device.Name,
                Kind = device.Kind,
                MemoryTotalBytes = device.CapacityBytes,
                MemoryReservedBytes = device.ReservedBytes,
                MemoryUsedBytes = used,
                Utilization = utilization,
                Usable = device.Usable,
                Simulated = device.Kind == DeviceKinds.Simulated,
                Speed = device.Speed,
                Slots = device.Slots,
                MemoryWeightsBytes = measured.WeightsBytes,
                MemoryWorkspaceBytes = measured.WorkspaceBytes,
                MemoryKvBudgetBytes = measured.KvBudgetBytes,
                MemoryFreeBytes = device.FreeBytes,
                FragmentedBytes = DevicePool.FragmentedBytes(device, reference),
                ComputeMs = ledger.TotalMs,
                Busy = ledger.Busy(device.Slots),
            };
            info.Models.AddRange(device.Models.Order(StringComparer.Ordinal));
            foreach (var replica in onDevice[device.Name].OrderBy(r => r.Served.Descriptor.Name, StringComparer.Ordinal))
            {
                var view = Replica(replica);
                info.MemoryKvAllocatedBytes += view.MemoryKvAllocatedBytes;
                info.Replicas.Add(view);
            }

            foreach (var (who, fraction) in ledger.Fractions().Where(s => admin || s.Tenant == tenant))
            {
                info.TenantShares.Add(new TenantShare { Tenant = who, Fraction = fraction });
            }

            response.Devices.Add(info);
        }

        return response;
    }

    /// <summary>One replica: where, what it measured and holds, its queue, its key-value pool and prefix cache.</summary>
    public static ReplicaInfo Replica(ModelReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var served = replica.Served;
        var info = new ReplicaInfo
        {
            Model = served.Descriptor.Name,
            Device = served.Device,
            State = replica.State,
            MemoryWeightsBytes = served.Memory.WeightsBytes,
            MemoryWorkspaceBytes = served.Memory.WorkspaceBytes,
            MemoryKvBudgetBytes = served.Memory.KvBudgetBytes,
            MemoryReservedBytes = replica.Device?.Reservations.FirstOrDefault(r => r.Model == served.Descriptor.Name).Bytes ?? 0,
            Queued = served.Queued,
            Running = served.Running,
        };
        if (served is ServedDecoderModel decoder)
        {
            var blocks = decoder.Engine.Blocks;
            var counters = blocks.Counters;
            info.MemoryKvAllocatedBytes = blocks.Pool.AllocatedBytes;
            info.KvBlocksTotal = blocks.TotalBlocks;
            info.KvBlocksUsed = blocks.UsedBlocks;
            info.KvBlocksCached = blocks.CachedBlocks;
            info.PrefixCacheHits = counters.Hits;
            info.PrefixCacheMisses = counters.Misses;
            info.PrefixCacheHitTokens = counters.HitTokens;
            info.PrefixCacheEvictions = counters.Evictions;
            info.KvCopiesOnWrite = counters.Copies;
            info.KvPreemptions = decoder.Engine.Preemptions;
        }

        return info;
    }
}
