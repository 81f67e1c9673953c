using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Tensors;

/// <summary>A loaded generic model and its batcher.</summary>
public sealed class ServedTensorModel(TensorModel model, TensorBatcher batcher, Devices.MemoryUse memory) : BatchedModel<TensorModel, TensorCall>(model, batcher, memory)
{
    public TensorBatcher Batcher { get; } = batcher;
}
