using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Embeddings;

/// <summary>A loaded embedding model and its batcher.</summary>
public sealed class ServedEmbeddingModel(EmbeddingModel model, EmbeddingBatcher batcher, Devices.MemoryUse memory) : BatchedModel<EmbeddingModel, EmbedRow>(model, batcher, memory)
{
    public EmbeddingBatcher Batcher { get; } = batcher;
}
