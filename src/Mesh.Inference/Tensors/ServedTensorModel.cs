using Mesh.Inference.Models;

namespace Mesh.Inference.Tensors;

/// <summary>A loaded generic model and its batcher.</summary>
public sealed class ServedTensorModel(TensorModel model, TensorBatcher batcher) : IServedModel
{
    public TensorModel Model { get; } = model;

    public TensorBatcher Batcher { get; } = batcher;

    public ModelDescriptor Descriptor => Model.Descriptor;

    public string Device => Model.Device;

    public long MemoryBytes => Model.MemoryBytes;

    public int Queued => Batcher.Queue.Count;

    public void Stop() => Batcher.Stop(ServingErrors.Unloaded(Descriptor.Name));

    public void Dispose()
    {
        Batcher.Dispose();
        Model.Dispose();
    }
}
