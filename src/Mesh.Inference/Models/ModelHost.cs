using System.Collections.Concurrent;
using Mesh.Inference.Devices;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Placement;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Models;

/// <summary>
/// Loads and unloads the catalog's models and hands loaded ones to requests. At startup it
/// scans the repository and loads, in the background, every model marked to load at startup;
/// others load on first use or LoadModel. Requests that arrive during a load wait for it. A local
/// model's replicas are placed by the <see cref="ReplicaPlacer"/>; each call goes to the least
/// loaded active replica and holds it (<see cref="AcquireAsync"/>) until it ends.
/// </summary>
public sealed partial class ModelHost(
    ModelCatalog catalog, ModelRepository repository, ModelLoader loader, ReplicaPlacer placer, ModelReplicas replicas, DevicePool devices, TimeProvider time,
    ILogger<ModelHost> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IServedModel>>> _loads = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _unloaded = new(StringComparer.OrdinalIgnoreCase);
    private int _disposed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        repository.Scan();
        // Startup does not wait: readiness (the "models" health check) turns healthy once loaded.
        foreach (var model in catalog.Models.Where(m => m.LoadAtStartup))
        {
            _ = Load(model);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var replica in replicas.All().SelectMany(m => m.Replicas))
        {
            replica.Served.Stop();
        }

        return Task.CompletedTask;
    }

    /// <summary>A loaded replica of the model (for estimates), loading it if need be; FailedPrecondition once unloaded, Unavailable if its load failed.</summary>
    public async Task<IServedModel> GetAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(descriptor, cancellationToken);
        return lease.Served;
    }

    /// <summary>
    /// A hold on the least loaded active replica, loading the model if need be: the call uses that
    /// replica until it disposes the lease (a replica being moved waits for it). FailedPrecondition
    /// once unloaded, Unavailable if its load failed.
    /// </summary>
    public async Task<ModelLease> AcquireAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_unloaded.ContainsKey(descriptor.Name))
        {
            throw MeshErrors.FailedPrecondition($"model '{descriptor.Name}' is unloaded; an admin can load it again with LoadModel");
        }

        try
        {
            await Load(descriptor).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw MeshErrors.Unavailable($"model '{descriptor.Name}' could not be loaded on this server ({ex.Message}); the server log has the details");
        }

        // A move loads the new replica before the old one drains, so an active one is there but for a moment.
        for (var attempt = 0; ; attempt++)
        {
            if (replicas.Lease(descriptor.Name) is { } lease)
            {
                return lease;
            }

            if (attempt >= 100 || _unloaded.ContainsKey(descriptor.Name))
            {
                throw MeshErrors.Unavailable($"model '{descriptor.Name}' has no replica serving now; retry");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken);
        }
    }

    /// <summary>The loaded embedding model (for direct runs); throws what its load threw.</summary>
    public async Task<EmbeddingModel> GetEmbeddingModelAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var served = await Load(descriptor).WaitAsync(cancellationToken);
        return ((ServedEmbeddingModel)served).Model;
    }

    /// <summary>Loads (or reloads after a failure or unload) a model and waits for the outcome.</summary>
    public async Task<ModelState> LoadAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _unloaded.TryRemove(descriptor.Name, out _);
        if (_loads.TryGetValue(descriptor.Name, out var existing) && existing.IsValueCreated && existing.Value.IsFaulted)
        {
            _loads.TryRemove(new KeyValuePair<string, Lazy<Task<IServedModel>>>(descriptor.Name, existing));
        }

        try
        {
            await Load(descriptor).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The state says why.
        }

        return StateOf(descriptor);
    }

    /// <summary>Unloads a model: its schedulers stop, its sessions close and its device memory is freed.</summary>
    public ModelState Unload(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _unloaded[descriptor.Name] = true;
        if (_loads.TryRemove(descriptor.Name, out var load) && load.IsValueCreated && load.Value.IsCompletedSuccessfully)
        {
            foreach (var replica in replicas.RemoveAll(descriptor.Name))
            {
                replica.Served.Stop();
                replica.Served.Dispose();
            }

            devices.Release(descriptor.Name);
            LogUnloaded(logger, descriptor.Name);
        }

        return StateOf(descriptor);
    }

    /// <summary>The device a loaded model runs on, or null while it is not loaded.</summary>
    public string? DeviceOf(ModelDescriptor descriptor) => StateOf(descriptor).Served?.Device;

    public ModelState StateOf(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (_unloaded.ContainsKey(descriptor.Name) || !_loads.TryGetValue(descriptor.Name, out var load) || !load.IsValueCreated)
        {
            return new ModelState(descriptor, ModelState.Unloaded, null, null);
        }

        var task = load.Value;
        return task.Status switch
        {
            TaskStatus.RanToCompletion => new ModelState(descriptor, ModelState.Ready, replicas.Primary(descriptor.Name)?.Served ?? task.Result, null)
            {
                Replicas = replicas.Of(descriptor.Name),
            },
            TaskStatus.Faulted or TaskStatus.Canceled => new ModelState(descriptor, ModelState.Failed, null, task.Exception?.GetBaseException()),
            _ => new ModelState(descriptor, ModelState.Loading, null, null),
        };
    }

    /// <summary>Where each catalog model stands.</summary>
    public IReadOnlyList<ModelState> States() => [.. catalog.Models.Select(StateOf)];

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var replica in replicas.All().SelectMany(m => m.Replicas))
        {
            replica.Served.Dispose();
        }
    }

    private Task<IServedModel> Load(ModelDescriptor descriptor) =>
        _loads.GetOrAdd(descriptor.Name, _ => new Lazy<Task<IServedModel>>(() => Task.Run(() => LoadLoggedAsync(descriptor)))).Value;

    private async Task<IServedModel> LoadLoggedAsync(ModelDescriptor descriptor)
    {
        try
        {
            if (descriptor.Upstream is not null)
            {
                var hosted = loader.LoadHosted(descriptor);
                replicas.Add(descriptor.Name, new ModelReplica(hosted, null));
                return hosted;
            }

            var first = await placer.AddAsync(descriptor, CancellationToken.None);
            for (var i = 1; i < descriptor.MinReplicas; i++)
            {
                try
                {
                    await placer.AddAsync(descriptor, CancellationToken.None);
                }
                catch (PlacementException ex)
                {
                    LogReplicaNotPlaced(logger, descriptor.Name, i + 1, ex.Message);
                    break;
                }
            }

            return first.Served;
        }
        catch (Exception ex)
        {
            LogLoadFailed(logger, descriptor.Name, ex);
            throw;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "Model {Model} could not be loaded; calls for it fail with Unavailable")]
    private static partial void LogLoadFailed(ILogger logger, string model, Exception exception);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Model {Model} unloaded")]
    private static partial void LogUnloaded(ILogger logger, string model);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Model {Model}: replica {Replica} of its minimum has no room: {Reason}")]
    private static partial void LogReplicaNotPlaced(ILogger logger, string model, int replica, string reason);
}
