using Mesh.Inference.Devices;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Generation;
using Mesh.Inference.Tensors;

namespace Mesh.Inference.Models;

/// <summary>Loads a model of any kind with the loader for that kind, on the device placement chose.</summary>
public sealed class ModelLoader(EmbeddingModelLoader embeddings, DecoderModelLoader decoders, TensorModelLoader tensors, Hosted.HostedModelLoader hosted)
{
    /// <summary>A hosted model: no device.</summary>
    public IServedModel LoadHosted(ModelDescriptor descriptor) => hosted.Load(descriptor);

    /// <summary>A local model on <paramref name="device"/>, where <paramref name="reservedBytes"/> are reserved for it.</summary>
    public IServedModel Load(ModelDescriptor descriptor, ComputeDevice device, long reservedBytes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        return descriptor.Kind switch
        {
            ModelKinds.Embedding => embeddings.Load(descriptor, device, reservedBytes),
            ModelKinds.CausalLm => decoders.Load(descriptor, device, reservedBytes),
            ModelKinds.Tensors => tensors.Load(descriptor, device, reservedBytes),
            _ => throw new InvalidDataException($"model '{descriptor.Name}' has kind '{descriptor.Kind}', which this server does not run"),
        };
    }
}
