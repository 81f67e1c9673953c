using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Mesh.ServiceDefaults.Errors;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Tensors;

/// <summary>Where a model input or output is described: name, element type, dimensions (-1 dynamic).</summary>
public sealed record TensorSpec(string Name, string DataType, long[] Shape);

/// <summary>
/// A generic ONNX model: named float32/int64 tensors in and out. Calls are checked against the
/// graph's inputs before they queue. When every input and output has a dynamic first
/// dimension, calls whose other dimensions match run as one batch along it.
/// </summary>
public sealed class TensorModel : ILoadedModel
{
    private readonly InferenceSession _session;

    public TensorModel(ModelDescriptor descriptor, LoadedSession loaded)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(loaded);
        Descriptor = descriptor;
        Device = loaded.Device;
        MemoryBytes = loaded.WeightsBytes;
        _session = loaded.Session;
        Inputs = [.. _session.InputMetadata.Select(m => Spec(descriptor, m.Key, m.Value))];
        Outputs = [.. _session.OutputMetadata.Select(m => Spec(descriptor, m.Key, m.Value))];
        Batchable = Inputs.Concat(Outputs).All(s => s.Shape is [-1, ..]);
    }

    public ModelDescriptor Descriptor { get; }

    public string Device { get; }

    public long MemoryBytes { get; }

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>True when calls can be stacked along a dynamic first dimension.</summary>
    public bool Batchable { get; }

    /// <summary>Throws InvalidArgument naming the first tensor that does not fit the graph.</summary>
    public void Validate(IReadOnlyList<NamedTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var spec in Inputs.Where(s => tensors.All(t => t.Name != s.Name)))
        {
            throw MeshErrors.InvalidArgument("inputs", $"tensor '{spec.Name}' ({Describe(spec)}) is missing; the model takes {string.Join(", ", Inputs.Select(Describe))}");
        }

        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            var field = $"inputs[{i}]";
            var spec = Inputs.FirstOrDefault(s => s.Name == tensor.Name)
                ?? throw MeshErrors.InvalidArgument(field, $"the model has no input '{tensor.Name}'; it takes {string.Join(", ", Inputs.Select(Describe))}");
            if (tensor.DataType != spec.DataType)
            {
                throw MeshErrors.InvalidArgument(field, $"'{tensor.Name}' must be {spec.DataType}, not {tensor.DataType}");
            }

            if (tensor.Shape.Length != spec.Shape.Length || tensor.Shape.Where((d, k) => d < 1 || (spec.Shape[k] > 0 && spec.Shape[k] != d)).Any())
            {
                throw MeshErrors.InvalidArgument(field, $"'{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}]; the model takes [{string.Join(", ", spec.Shape)}] (-1: any size)");
            }

            var length = tensor.DataType == NamedTensor.Float32 ? tensor.Floats?.Length : tensor.Longs?.Length;
            if (length != tensor.ElementCount)
            {
                throw MeshErrors.InvalidArgument(field, $"'{tensor.Name}' of shape [{string.Join(", ", tensor.Shape)}] needs {tensor.ElementCount} values, has {length ?? 0}");
            }
        }
    }

    /// <summary>Runs the model on one set of inputs (already stacked when batched).</summary>
    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = inputs.Select(t => t.DataType == NamedTensor.Float32
            ? OrtValue.CreateTensorValueFromMemory(t.Floats!, t.Shape)
            : OrtValue.CreateTensorValueFromMemory(t.Longs!, t.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, [.. inputs.Select(t => t.Name)], values, [.. Outputs.Select(o => o.Name)]);
            return [.. Outputs.Select((spec, i) => ToTensor(spec, outputs[i]))];
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    public void Dispose() => _session.Dispose();

    private static NamedTensor ToTensor(TensorSpec spec, OrtValue value)
    {
        var shape = value.GetTensorTypeAndShape().Shape;
        return spec.DataType == NamedTensor.Float32
            ? new NamedTensor(spec.Name, spec.DataType, shape, value.GetTensorDataAsSpan<float>().ToArray(), null)
            : new NamedTensor(spec.Name, spec.DataType, shape, null, value.GetTensorDataAsSpan<long>().ToArray());
    }

    private static TensorSpec Spec(ModelDescriptor descriptor, string name, NodeMetadata metadata)
    {
        var type = metadata.ElementType == typeof(float) ? NamedTensor.Float32
            : metadata.ElementType == typeof(long) ? NamedTensor.Int64
            : throw new InvalidDataException($"model '{descriptor.Name}': tensor '{name}' is {metadata.ElementType.Name}; generic models take float32 and int64 tensors");
        return new TensorSpec(name, type, [.. metadata.Dimensions.Select(d => (long)d)]);
    }

    private static string Describe(TensorSpec spec) => $"{spec.Name} {spec.DataType}[{string.Join(", ", spec.Shape)}]";
}
