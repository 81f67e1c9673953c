using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Microsoft.Extensions.Options;

namespace Mesh.Inference.Tensors;

/// <summary>Loads a generic tensor model on a device and starts its batcher.</summary>
public sealed class TensorModelLoader(
    IOptions<InferenceOptions> options,
    IOptions<SchedulingOptions> scheduling,
    OnnxSessionFactory sessions,
    TimeProvider time)
{
    public ServedTensorModel Load(ModelDescriptor descriptor, ComputeDevice device, long reservedBytes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var loaded = sessions.Create(descriptor, ModelFiles.ReadGraph(descriptor, options.Value.ResolvedModelRoot), device, reservedBytes);
        TensorModel model;
        try
        {
            model = new TensorModel(descriptor, loaded);
        }
        catch
        {
            loaded.Session.Dispose();
            throw;
        }

        var batcher = new TensorBatcher(model, loaded.Placed.Scheduler, scheduling.Value, time);
        batcher.Start();
        return new ServedTensorModel(model, batcher, loaded.Measure(0));
    }
}
