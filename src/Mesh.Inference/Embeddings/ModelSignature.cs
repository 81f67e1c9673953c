using Mesh.Inference.Models;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Embeddings;

/// <summary>Checks at load that a graph has the inputs and output a BERT embedding model needs.</summary>
internal static class ModelSignature
{
    private static readonly string[] Required = [EmbeddingModel.InputIdsName, EmbeddingModel.AttentionMaskName];
    private static readonly string[] Known = [.. Required, EmbeddingModel.TokenTypeIdsName];

    /// <summary>The input names to feed, in order; throws naming what is missing or unexpected.</summary>
    public static string[] Check(ModelDescriptor descriptor, InferenceSession session)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var problems = new List<string>();
        problems.AddRange(Required.Where(n => !inputs.ContainsKey(n)).Select(n => $"input '{n}' is missing"));
        problems.AddRange(inputs.Keys.Where(n => !Known.Contains(n)).Select(n => $"input '{n}' is not one this server can feed"));
        problems.AddRange(inputs.Where(i => i.Value.ElementType != typeof(long)).Select(i => $"input '{i.Key}' is {i.Value.ElementType.Name}, not int64"));
        if (!outputs.TryGetValue(EmbeddingModel.OutputName, out var output))
        {
            problems.Add($"output '{EmbeddingModel.OutputName}' is missing");
        }
        else if (output.Dimensions is not [_, _, var width] || (width > 0 && width != descriptor.Dimensions))
        {
            problems.Add($"output '{EmbeddingModel.OutputName}' has shape [{string.Join(", ", output.Dimensions)}], not [batch, sequence, {descriptor.Dimensions}]");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException(
                $"model '{descriptor.Name}' is not a BERT embedding graph: {string.Join("; ", problems)} (inputs: {string.Join(", ", inputs.Keys)}; outputs: {string.Join(", ", outputs.Keys)})");
        }

        return inputs.ContainsKey(EmbeddingModel.TokenTypeIdsName) ? Known : Required;
    }
}
