using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Mesh.Inference.Tensors;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using Tensor = Mesh.Inference.V1.Tensor;

namespace Mesh.Inference.Api;

/// <summary>Infer: check the tensors against the graph, queue them with the model's batcher, answer with the outputs.</summary>
public sealed class InferHandler(ModelResolver resolver, ModelHost models, InferenceTelemetry telemetry, TimeProvider time)
{
    public const string Operation = "infer";

    public async Task<InferResponse> InferAsync(InferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var descriptor = resolver.Find(request.Model, request.ModelVersion, ModelKinds.Tensors, "Infer");
        var inputs = request.Inputs.Select((t, i) => FromProto(t, i)).ToList();
        if (inputs.Count == 0)
        {
            throw MeshErrors.InvalidArgument("inputs", "no tensors given (ListModels shows the model's inputs)");
        }

        using var lease = await models.AcquireAsync(descriptor, cancellationToken);
        var served = (ServedTensorModel)lease.Served;
        served.Model.Validate(inputs);
        var priority = WorkPriorities.From(request.Priority);
        using var activity = telemetry.StartActivity(Operation, served);
        TensorResult result;
        try
        {
            result = await served.Batcher.InferAsync(inputs, CallTenant.Current, priority, cancellationToken);
        }
        catch (Exception ex)
        {
            telemetry.Failed(Operation, served, priority, ex, activity, started);
            throw;
        }

        telemetry.Succeeded(Operation, served, priority, new CallMeasures(0, 0, result.QueueTime, result.ComputeTime, result.BatchSize), activity, started);
        var response = new InferResponse { Model = descriptor.Name, ModelVersion = descriptor.Version, Device = served.Device, BatchSize = result.BatchSize };
        response.Outputs.AddRange(result.Outputs.Select(ToProto));
        return response;
    }

    private static NamedTensor FromProto(Tensor tensor, int index)
    {
        var type = string.IsNullOrEmpty(tensor.DataType) ? (tensor.Int64Data.Count > 0 ? NamedTensor.Int64 : NamedTensor.Float32) : tensor.DataType;
        if (type is not (NamedTensor.Float32 or NamedTensor.Int64))
        {
            throw MeshErrors.InvalidArgument($"inputs[{index}]", $"data_type '{tensor.DataType}' is not supported; use float32 or int64");
        }

        return new NamedTensor(tensor.Name, type, [.. tensor.Shape], type == NamedTensor.Float32 ? [.. tensor.FloatData] : null, type == NamedTensor.Int64 ? [.. tensor.Int64Data] : null);
    }

    private static Tensor ToProto(NamedTensor tensor)
    {
        var proto = new Tensor { Name = tensor.Name, DataType = tensor.DataType };
        proto.Shape.AddRange(tensor.Shape);
        if (tensor.Floats is not null)
        {
            proto.FloatData.AddRange(tensor.Floats);
        }

        if (tensor.Longs is not null)
        {
            proto.Int64Data.AddRange(tensor.Longs);
        }

        return proto;
    }
}
