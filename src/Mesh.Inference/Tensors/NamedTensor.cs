namespace Mesh.Inference.Tensors;

/// <summary>A tensor of a generic model call: float32 or int64 data, row-major.</summary>
public sealed record NamedTensor(string Name, string DataType, long[] Shape, float[]? Floats, long[]? Longs)
{
    public const string Float32 = "float32";
    public const string Int64 = "int64";

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Shape without the batch dimension, with the type: calls batch together only when these match.</summary>
    public string BatchKey => $"{Name}:{DataType}:{string.Join('x', Shape.Skip(1))}";
}
