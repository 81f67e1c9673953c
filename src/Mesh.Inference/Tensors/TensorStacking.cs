namespace Mesh.Inference.Tensors;

/// <summary>Stacks the inputs of several calls along the first dimension and splits the outputs back.</summary>
public static class TensorStacking
{
    public static List<NamedTensor> Stack(IReadOnlyList<TensorCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var stacked = new List<NamedTensor>();
        for (var i = 0; i < calls[0].Inputs.Count; i++)
        {
            var parts = calls.Select(c => c.Inputs[i]).ToList();
            var first = parts[0];
            long[] shape = [parts.Sum(p => p.Shape[0]), .. first.Shape.Skip(1)];
            stacked.Add(first.DataType == NamedTensor.Float32
                ? first with { Shape = shape, Floats = [.. parts.SelectMany(p => p.Floats!)] }
                : first with { Shape = shape, Longs = [.. parts.SelectMany(p => p.Longs!)] });
        }

        return stacked;
    }

    /// <summary>The slice of each output that belongs to each call, by the calls' batch sizes.</summary>
    public static List<NamedTensor>[] Split(IReadOnlyList<NamedTensor> outputs, IReadOnlyList<long> rows)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(rows);
        var result = rows.Select(_ => new List<NamedTensor>()).ToArray();
        foreach (var output in outputs)
        {
            var perRow = output.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var offset = 0L;
            for (var c = 0; c < rows.Count; c++)
            {
                long[] shape = [rows[c], .. output.Shape.Skip(1)];
                var (start, count) = ((int)(offset * perRow), (int)(rows[c] * perRow));
                result[c].Add(output.DataType == NamedTensor.Float32
                    ? output with { Shape = shape, Floats = output.Floats.AsSpan(start, count).ToArray() }
                    : output with { Shape = shape, Longs = output.Longs.AsSpan(start, count).ToArray() });
                offset += rows[c];
            }
        }

        return result;
    }
}
