using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Tensors;

/// <summary>Loads a generic tensor model and starts its batcher.</summary>
public sealed class TensorModelLoader(
    IOptions<InferenceOptions> options,
    IOptions<SchedulingOptions> scheduling,
    OnnxSessionFactory sessions,
    DevicePool devices,
    TimeProvider time)
{
    public ServedTensorModel Load(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var loaded = sessions.Create(descriptor, ModelFiles.ReadGraph(descriptor, options.Value.ResolvedModelRoot));
        TensorModel model;
        try
        {
            model = new TensorModel(descriptor, loaded);
        }
        catch
        {
            loaded.Session.Dispose();
            devices.Release(descriptor.Name);
            throw;
        }

        var batcher = new TensorBatcher(model, scheduling.Value, time);
        batcher.Start();
        return new ServedTensorModel(model, batcher);
    }
}
