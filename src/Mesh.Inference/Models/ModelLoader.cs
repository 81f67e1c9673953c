using Mesh.Inference.Embeddings;
using Mesh.Inference.Generation;
using Mesh.Inference.Tensors;

namespace Mesh.Inference.Models;

/// <summary>Loads a model of any kind with the loader for that kind.</summary>
public sealed class ModelLoader(EmbeddingModelLoader embeddings, DecoderModelLoader decoders, TensorModelLoader tensors, Hosted.HostedModelLoader hosted)
{
    public IServedModel Load(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Upstream is not null)
        {
            return hosted.Load(descriptor);
        }

        return descriptor.Kind switch
        {
            ModelKinds.Embedding => embeddings.Load(descriptor),
            ModelKinds.CausalLm => decoders.Load(descriptor),
            ModelKinds.Tensors => tensors.Load(descriptor),
            _ => throw new InvalidDataException($"model '{descriptor.Name}' has kind '{descriptor.Kind}', which this server does not run"),
        };
    }
}
