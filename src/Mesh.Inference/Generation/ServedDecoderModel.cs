using Mesh.Inference.Models;

namespace Mesh.Inference.Generation;

/// <summary>A loaded decoder and its continuous-batching engine.</summary>
public sealed class ServedDecoderModel(DecoderModel model, GenerationEngine engine, long kvCacheBytes) : IServedModel
{
    public DecoderModel Model { get; } = model;

    public GenerationEngine Engine { get; } = engine;

    public ModelDescriptor Descriptor => Model.Descriptor;

    public string Device => Model.Device;

    /// <summary>The session plus the key-value cache of a full batch at the full context.</summary>
    public long MemoryBytes => Model.SessionBytes + kvCacheBytes;

    public int Queued => Engine.Queue.Count;

    public void Stop() => Engine.Stop(ServingErrors.Unloaded(Descriptor.Name));

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
    }
}
