using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Generation;

/// <summary>
/// The shape of a decoder in the Hugging Face Optimum layout, read from the session's
/// metadata: <c>input_ids</c>, <c>attention_mask</c>, optional <c>position_ids</c> and
/// <c>past_key_values.N.key/value</c> [batch, heads, past, head size] in; <c>logits</c> and
/// <c>present.N.key/value</c> out. Layers, heads and head size come from the past inputs, so
/// any such export loads the same way.
/// </summary>
public sealed record DecoderSignature(int Layers, int Heads, int HeadSize, bool HasPositionIds, string[] InputNames, string[] OutputNames)
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";

    public static string PastValue(int layer) => $"past_key_values.{layer}.value";

    public static string PresentKey(int layer) => $"present.{layer}.key";

    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>Bytes the key-value cache needs per token of one sequence (fp32).</summary>
    public long BytesPerToken => (long)Layers * 2 * Heads * HeadSize * sizeof(float);

    /// <summary>Reads the signature; throws naming every input or output that does not fit the layout.</summary>
    public static DecoderSignature Discover(string model, InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var problems = new List<string>();
        foreach (var name in new[] { InputIds, AttentionMask })
        {
            if (!inputs.TryGetValue(name, out var meta))
            {
                problems.Add($"input '{name}' is missing");
            }
            else if (meta.ElementType != typeof(long))
            {
                problems.Add($"input '{name}' is {meta.ElementType.Name}, not int64");
            }
        }

        var layers = 0;
        while (inputs.ContainsKey(PastKey(layers)))
        {
            layers++;
        }

        if (layers == 0)
        {
            problems.Add("no past_key_values.0.key input: export the decoder with its key-value cache (Optimum: --task text-generation-with-past)");
        }

        var (heads, headSize) = layers > 0 && inputs[PastKey(0)].Dimensions is [_, var h, _, var d] ? (h, d) : (0, 0);
        if (layers > 0 && (heads <= 0 || headSize <= 0))
        {
            problems.Add($"past_key_values.0.key must be [batch, heads, past, head size] with fixed heads and head size (is [{string.Join(", ", inputs[PastKey(0)].Dimensions)}])");
        }

        for (var l = 0; l < layers; l++)
        {
            foreach (var name in new[] { PastKey(l), PastValue(l) })
            {
                if (!inputs.TryGetValue(name, out var meta) || meta.ElementType != typeof(float))
                {
                    problems.Add($"input '{name}' must exist and be float32");
                }
            }

            foreach (var name in new[] { PresentKey(l), PresentValue(l) })
            {
                if (!outputs.ContainsKey(name))
                {
                    problems.Add($"output '{name}' is missing");
                }
            }
        }

        if (!outputs.TryGetValue(Logits, out var logits) || logits.ElementType != typeof(float))
        {
            problems.Add($"output '{Logits}' must exist and be float32");
        }

        var hasPositions = inputs.ContainsKey(PositionIds);
        var known = new HashSet<string>([InputIds, AttentionMask, PositionIds, .. Enumerable.Range(0, layers).SelectMany(l => new[] { PastKey(l), PastValue(l) })]);
        problems.AddRange(inputs.Keys.Where(n => !known.Contains(n)).Select(n => $"input '{n}' is not one this server can feed"));
        if (problems.Count > 0)
        {
            throw new InvalidDataException(
                $"model '{model}' is not a decoder in the Optimum layout: {string.Join("; ", problems)} (inputs: {string.Join(", ", inputs.Keys)}; outputs: {string.Join(", ", outputs.Keys)})");
        }

        string[] inputNames = [InputIds, AttentionMask, .. hasPositions ? [PositionIds] : Array.Empty<string>(), .. Enumerable.Range(0, layers).SelectMany(l => new[] { PastKey(l), PastValue(l) })];
        string[] outputNames = [Logits, .. Enumerable.Range(0, layers).SelectMany(l => new[] { PresentKey(l), PresentValue(l) })];
        return new DecoderSignature(layers, heads, headSize, hasPositions, inputNames, outputNames);
    }
}
