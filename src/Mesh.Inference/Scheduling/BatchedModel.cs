using Mesh.Inference.Models;

namespace Mesh.Inference.Scheduling;

/// <summary>A loaded model served by dynamic batching: the model and the batch worker that runs it.</summary>
public abstract class BatchedModel<TModel, TItem>(TModel model, BatchWorker<TItem> batcher) : IServedModel
    where TModel : ILoadedModel
    where TItem : class, IScheduledWork
{
    public TModel Model { get; } = model;

    public ModelDescriptor Descriptor => Model.Descriptor;

    public string Device => Model.Device;

    public long MemoryBytes => Model.MemoryBytes;

    public int Queued => batcher.Queue.Count;

    public void Stop() => batcher.Stop(ServingErrors.Unloaded(Descriptor.Name));

    public void Dispose()
    {
        batcher.Dispose();
        Model.Dispose();
        GC.SuppressFinalize(this);
    }
}
