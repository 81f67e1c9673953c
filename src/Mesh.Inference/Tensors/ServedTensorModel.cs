using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Tensors;

/// <summary>A loaded generic model and its batcher.</summary>
public sealed class ServedTensorModel(TensorModel model, TensorBatcher batcher) : BatchedModel<TensorModel, TensorCall>(model, batcher)
{
    public TensorBatcher Batcher { get; } = batcher;
}
