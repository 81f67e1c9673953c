using Mesh.Inference.Models;

namespace Mesh.Inference.Scheduling;

/// <summary>A loaded model served by dynamic batching: the model, the batch worker that runs it and what it measured.</summary>
public abstract class BatchedModel<TModel, TItem>(TModel model, BatchWorker<TItem> batcher, Devices.MemoryUse memory) : IServedModel
    where TModel : ILoadedModel
    where TItem : class, IScheduledWork
{
    public TModel Model { get; } = model;

    public ModelDescriptor Descriptor => Model.Descriptor;

    public string Device => Model.Device;

    public Devices.MemoryUse Memory { get; } = memory;

    public int Queued => batcher.Queue.Count;

    public int Running => batcher.Busy;

    public void Stop() => batcher.Stop(ServingErrors.Unloaded(Descriptor.Name));

    public void Dispose()
    {
        batcher.Dispose();
        Model.Dispose();
        GC.SuppressFinalize(this);
    }
}
