using Mesh.Inference.Devices;
using Mesh.Inference.Models;

namespace Mesh.Inference.Generation;

/// <summary>A loaded decoder replica, its continuous-batching engine (with its key-value blocks) and what it measured.</summary>
public sealed class ServedDecoderModel(DecoderModel model, GenerationEngine engine, MemoryUse memory) : IServedModel
{
    public DecoderModel Model { get; } = model;

    public GenerationEngine Engine { get; } = engine;

    public ModelDescriptor Descriptor => Model.Descriptor;

    public string Device => Model.Device;

    /// <summary>Weights, workspace and the key-value pool's budget.</summary>
    public MemoryUse Memory { get; } = memory;

    public int Queued => Engine.Queue.Count;

    public int Running => Engine.Running + Engine.Held;

    public void Stop() => Engine.Stop(ServingErrors.Unloaded(Descriptor.Name));

    public void Dispose()
    {
        Engine.Dispose();
        Model.Dispose();
    }
}
