using System.Collections.Concurrent;
using Mesh.Inference.Embeddings;

namespace Mesh.Inference.Models;

/// <summary>
/// Loads every catalog model once, in the background from startup, and hands the loaded
/// models to requests. Requests that arrive during loading wait for it.
/// </summary>
public sealed partial class ModelHost(ModelCatalog catalog, EmbeddingModelLoader loader, ILogger<ModelHost> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<EmbeddingModel>>> _loads = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Startup does not wait: readiness (the "models" health check) turns healthy once loaded.
        foreach (var model in catalog.Models)
        {
            _ = Load(model);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The loaded model, waiting for its load if need be; throws what the load threw.</summary>
    public Task<EmbeddingModel> GetEmbeddingModelAsync(ModelDescriptor descriptor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return Load(descriptor).WaitAsync(cancellationToken);
    }

    /// <summary>The device a loaded model runs on, or null while it is not loaded.</summary>
    public string? DeviceOf(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return _loads.TryGetValue(descriptor.Name, out var load) && load.IsValueCreated && load.Value.IsCompletedSuccessfully
            ? load.Value.Result.Device
            : null;
    }

    /// <summary>Where each catalog model stands: loaded, loading or failed (with the failure).</summary>
    public IReadOnlyList<(ModelDescriptor Model, TaskStatus Status, Exception? Failure)> States() =>
    [
        .. catalog.Models.Select(m => _loads.TryGetValue(m.Name, out var load) && load.IsValueCreated
            ? (m, load.Value.Status, load.Value.Exception?.GetBaseException())
            : (m, TaskStatus.WaitingToRun, (Exception?)null)),
    ];

    public void Dispose()
    {
        foreach (var load in _loads.Values)
        {
            if (load.IsValueCreated && load.Value.IsCompletedSuccessfully)
            {
                load.Value.Result.Dispose();
            }
        }
    }

    private Task<EmbeddingModel> Load(ModelDescriptor descriptor) =>
        _loads.GetOrAdd(descriptor.Name, _ => new Lazy<Task<EmbeddingModel>>(() => Task.Run(() => LoadLogged(descriptor)))).Value;

    private EmbeddingModel LoadLogged(ModelDescriptor descriptor)
    {
        try
        {
            return loader.Load(descriptor);
        }
        catch (Exception ex)
        {
            LogLoadFailed(logger, descriptor.Name, ex);
            throw;
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Error, Message = "Model {Model} could not be loaded; Embed calls for it fail with Unavailable")]
    private static partial void LogLoadFailed(ILogger logger, string model, Exception exception);
}
