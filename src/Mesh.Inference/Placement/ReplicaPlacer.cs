using System.Collections.Concurrent;
using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Placement;

/// <summary>
/// Carries out placement: asks the <see cref="PlacementPlanner"/> where a new replica goes, makes
/// the room a consolidation plan needs (each moved model is loaded on its new device first, then
/// its old replica drains: new calls go to the new one, running calls finish, and only then is it
/// stopped and its memory freed; a move the plan reloads last drains first), loads the replica there and records what it measured. A replica
/// that measures more than its device can hold is unloaded and placed again with what it measured.
/// One placement at a time, so each load's memory measurement is its own.
/// </summary>
public sealed partial class ReplicaPlacer(
    DevicePool devices,
    IOptions<PlacementOptions> options,
    ModelFootprints footprints,
    IExpectedLoad expectedLoad,
    ModelLoader loader,
    OnnxSessionFactory sessions,
    ModelReplicas replicas,
    ModelCatalog catalog,
    TimeProvider time,
    ILogger<ReplicaPlacer> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _waiting = new(StringComparer.Ordinal);
    private readonly PlacementPlanner _planner = new(options.Value);
    private long _moves;

    /// <summary>Replicas moved to make room so far.</summary>
    public long Moves => Interlocked.Read(ref _moves);

    /// <summary>The sizes of models waiting to be placed now.</summary>
    public IReadOnlyCollection<long> Waiting => [.. _waiting.Values];

    /// <summary>
    /// What free memory is judged against (fragmentation): the models waiting to be placed; when none
    /// waits, the local models that could still be asked for (unloaded, or below their most replicas).
    /// </summary>
    public IReadOnlyCollection<long> ReferenceSizes()
    {
        if (!_waiting.IsEmpty)
        {
            return Waiting;
        }

        return [.. catalog.Models.Where(m => m.Upstream is null && replicas.Of(m.Name).Count < m.MaxReplicas).Select(footprints.Estimate)];
    }

    /// <summary>Places and loads a new replica of <paramref name="descriptor"/>; throws <see cref="PlacementException"/> when no device can take it.</summary>
    public async Task<ModelReplica> AddAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _waiting[descriptor.Name] = footprints.Estimate(descriptor);
        try
        {
            await _gate.WaitAsync(cancellationToken);
        }
        catch
        {
            _waiting.TryRemove(descriptor.Name, out _);
            throw;
        }

        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var size = footprints.Estimate(descriptor);
                var device = await ChooseAsync(descriptor, size, cancellationToken);
                var replica = Load(descriptor, device, size);
                var placed = replica.Device!;
                if (attempt == 0 && placed.ReservedBytes > placed.CapacityBytes)
                {
                    LogReplaced(logger, descriptor.Name, placed.Name, size >> 20, footprints.Estimate(descriptor) >> 20);
                    await RetireAsync(descriptor.Name, replica, cancellationToken);
                    continue;
                }

                return replica;
            }
        }
        finally
        {
            _waiting.TryRemove(descriptor.Name, out _);
            _gate.Release();
        }
    }

    /// <summary>Drains <paramref name="replica"/> (no new calls; the calls it holds finish, up to the drain timeout), then stops it and frees its memory.</summary>
    public async Task RetireAsync(string model, ModelReplica replica, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replica);
        replica.BeginDrain();
        var deadline = time.GetTimestamp();
        while (!replica.IsIdle && time.GetElapsedTime(deadline) < options.Value.DrainTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
        }

        replicas.Remove(model, replica);
        replica.Served.Stop();
        replica.Served.Dispose();
        if (replica.Device is { } device)
        {
            devices.Release(device.Name, model);
        }

        LogRetired(logger, model, replica.Device?.Name ?? "upstream");
    }

    /// <summary>The devices, their replicas and expected loads, as the planner sees them.</summary>
    public IReadOnlyList<DeviceState> Snapshot()
    {
        var counts = replicas.All().ToDictionary(m => m.Model, m => Math.Max(1, m.Replicas.Count), StringComparer.OrdinalIgnoreCase);
        return [.. devices.Devices.Where(d => d.Usable).Select(d => new DeviceState(d.Name, d.IsAccelerator, d.CapacityBytes, d.Speed,
            [.. d.Reservations.Select(r => new PlacedReplica(r.Model, r.Bytes, expectedLoad.Of(r.Model) / counts.GetValueOrDefault(r.Model, 1), Movable: r.Measured is not null && catalog.Find(r.Model) is not null))]))];
    }

    /// <summary>The devices a model may go to, by preference group: accelerators, then the CPU.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Groups(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var candidates = devices.Candidates(sessions.PreferenceOf(descriptor));
        return [.. candidates.GroupBy(d => d.IsAccelerator).OrderBy(g => g.Key ? 0 : 1).Select(g => (IReadOnlyList<string>)[.. g.Select(d => d.Name)])];
    }

    public void Dispose() => _gate.Dispose();

    private async Task<ComputeDevice> ChooseAsync(ModelDescriptor descriptor, long size, CancellationToken cancellationToken)
    {
        var groups = Groups(descriptor);
        if (groups.Count == 0)
        {
            throw new PlacementException(sessions.PreferenceOf(descriptor) == DevicePreference.Cuda
                ? $"model '{descriptor.Name}' must run on CUDA but this server has no usable CUDA device (GPU build: -p:MeshGpu=true; device settings: {InferenceOptions.SectionName}:Device)"
                : $"model '{descriptor.Name}' has no device it may run on (see {DeviceOptions.SectionName}:CpuFallback)");
        }

        var request = new PlacementRequest(descriptor.Name, size, expectedLoad.Of(descriptor.Name), groups);
        switch (_planner.Plan(request, Snapshot(), options.Value.Consolidate))
        {
            case PlacementDecision.Place place:
                return devices.Find(place.Device)!;
            case PlacementDecision.Consolidate plan:
                LogConsolidating(logger, descriptor.Name, plan.Device, plan.Moves);
                foreach (var move in plan.Moves)
                {
                    await MoveAsync(move, cancellationToken);
                }

                foreach (var move in plan.Moves.Where(m => m.ReloadLast))
                {
                    Load(Descriptor(move), devices.Find(move.To)!, move.Bytes);
                    Interlocked.Increment(ref _moves);
                }

                return devices.Find(plan.Device)!;
            case PlacementDecision.Refuse refuse:
                throw new PlacementException(refuse.Reason);
            default:
                throw new InvalidOperationException("unknown placement decision");
        }
    }

    /// <summary>Loads a replica on its new device, then drains and frees the old one; a move that reloads last only drains here.</summary>
    private async Task MoveAsync(ReplicaMove move, CancellationToken cancellationToken)
    {
        var descriptor = Descriptor(move);
        var old = replicas.Of(move.Model).First(r => r.Device?.Name == move.From);
        if (!move.ReloadLast)
        {
            Load(descriptor, devices.Find(move.To)!, move.Bytes);
            Interlocked.Increment(ref _moves);
        }

        await RetireAsync(move.Model, old, cancellationToken);
    }

    private ModelDescriptor Descriptor(ReplicaMove move) =>
        catalog.Find(move.Model) ?? throw new PlacementException($"model '{move.Model}' left the catalog while it was being moved");

    private ModelReplica Load(ModelDescriptor descriptor, ComputeDevice device, long size)
    {
        if (!devices.TryReserve(device, descriptor.Name, size))
        {
            throw new PlacementException($"device {device.Name} no longer has {size >> 20} MiB free for model '{descriptor.Name}'; retry");
        }

        IServedModel served;
        try
        {
            served = loader.Load(descriptor, device, size);
        }
        catch
        {
            devices.Release(device.Name, descriptor.Name);
            throw;
        }

        var placed = devices.Find(served.Device) ?? device;
        devices.Settle(placed.Name, descriptor.Name, footprints.Record(descriptor, served.Memory), served.Memory);
        var replica = new ModelReplica(served, placed);
        replicas.Add(descriptor.Name, replica);
        LogPlaced(logger, descriptor.Name, placed.Name, served.Memory.WeightsBytes >> 20, served.Memory.WorkspaceBytes >> 20, served.Memory.KvBudgetBytes >> 20);
        return replica;
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Model {Model} placed on {Device}: measured {WeightsMiB} MiB weights, {WorkspaceMiB} MiB workspace, {KvMiB} MiB key-value pool")]
    private static partial void LogPlaced(ILogger logger, string model, string device, long weightsMiB, long workspaceMiB, long kvMiB);

    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "Making room for model {Model} on {Device}: {Moves}")]
    private static partial void LogConsolidating(ILogger logger, string model, string device, IReadOnlyList<ReplicaMove> moves);

    [LoggerMessage(EventId = 62, Level = LogLevel.Information, Message = "Replica of model {Model} on {Device} retired")]
    private static partial void LogRetired(ILogger logger, string model, string device);

    [LoggerMessage(EventId = 63, Level = LogLevel.Warning, Message = "Model {Model} measured more than {Device} can hold (planned {PlannedMiB} MiB, measured {MeasuredMiB} MiB): placing it again")]
    private static partial void LogReplaced(ILogger logger, string model, string device, long plannedMiB, long measuredMiB);
}

/// <summary>No device can take a model: the reason says what is free where.</summary>
public sealed class PlacementException(string message) : InvalidOperationException(message);
