using Mesh.Inference.Models;

namespace Mesh.Inference.Embeddings;

/// <summary>A loaded embedding model and its batcher.</summary>
public sealed class ServedEmbeddingModel(EmbeddingModel model, EmbeddingBatcher batcher) : IServedModel
{
    public EmbeddingModel Model { get; } = model;

    public EmbeddingBatcher Batcher { get; } = batcher;

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
