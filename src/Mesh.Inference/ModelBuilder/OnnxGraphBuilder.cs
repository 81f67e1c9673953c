using Google.Protobuf;
using Mesh.Inference.ModelBuilder.Onnx;

namespace Mesh.Inference.ModelBuilder;

/// <summary>
/// Writes an ONNX graph node by node: inputs, outputs, initializers and operators with their
/// attributes. Serialisation is deterministic, so the same calls give the same bytes.
/// </summary>
internal sealed class OnnxGraphBuilder(string name)
{
    private readonly GraphProto _graph = new() { Name = name };
    private int _nodes;

    /// <summary>A graph input or output: element type and dimensions (a string names a dynamic axis).</summary>
    public void Input(string valueName, TensorProto.Types.DataType type, params object[] dims) => _graph.Input.Add(ValueInfo(valueName, type, dims));

    public void Output(string valueName, TensorProto.Types.DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(valueName, type, dims));

    /// <summary>A float initializer (weights), stored as raw little-endian bytes.</summary>
    public string Weight(string valueName, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = valueName, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return valueName;
    }

    /// <summary>An int64 constant initializer.</summary>
    public string Int64s(string valueName, params long[] values)
    {
        var tensor = new TensorProto { Name = valueName, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return valueName;
    }

    /// <summary>A float scalar initializer.</summary>
    public string Scalar(string valueName, float value)
    {
        var tensor = new TensorProto { Name = valueName, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return valueName;
    }

    /// <summary>Adds an operator; returns its (first) output name.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output ?? $"{node.Name}_out");
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>Adds an operator with several outputs.</summary>
    public string[] NodeN(string opType, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodes++}" };
        node.Input.AddRange(inputs);
        for (var i = 0; i < outputs; i++)
        {
            node.Output.Add($"{node.Name}_out{i}");
        }

        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return [.. node.Output];
    }

    public static AttributeProto Int(string attributeName, long value) => new() { Name = attributeName, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string attributeName, float value) => new() { Name = attributeName, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string attributeName, params long[] values)
    {
        var attribute = new AttributeProto { Name = attributeName, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto FloatTensor(string attributeName, float value)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(1);
        tensor.FloatData.Add(value);
        return new AttributeProto { Name = attributeName, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
    }

    /// <summary>The model file: IR version 8, the default ONNX domain at <paramref name="opset"/>.</summary>
    public byte[] ToModel(int opset, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "mesh", ProducerVersion = "1", Graph = _graph, DocString = docString };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model.ToByteArray();
    }

    private static ValueInfoProto ValueInfo(string valueName, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string param ? new TensorShapeProto.Types.Dimension { DimParam = param } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto { Name = valueName, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
