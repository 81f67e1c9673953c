using Mesh.Inference.Generation;
using Mesh.Inference.ModelBuilder;
using Microsoft.ML.OnnxRuntime;

namespace Mesh.Inference.Tests;

public sealed class TinyGptBuilderTests
{
    private static readonly TinyGptShape Small = new(Layers: 2, Heads: 4, Width: 64, VocabularySize: 512, MaxPositions: 64);

    [Fact]
    public void Build_SameSeed_SameBytes_OtherSeed_OtherBytes()
    {
        var first = TinyGptBuilder.Build(Small, 42);

        Assert.Equal(first, TinyGptBuilder.Build(Small, 42));
        Assert.NotEqual(first, TinyGptBuilder.Build(Small, 43));
    }

    [Fact]
    public void Discover_BuiltDecoder_ReadsLayersHeadsAndHeadSizeFromTheOptimumInputs()
    {
        using var session = new InferenceSession(TinyGptBuilder.Build(Small with { Layers = 3 }, 1));

        var signature = DecoderSignature.Discover("t", session);

        Assert.Equal(3, signature.Layers);
        Assert.Equal(4, signature.Heads);
        Assert.Equal(16, signature.HeadSize);
        Assert.True(signature.HasPositionIds);
    }

    [Fact]
    public void Discover_GraphWithoutPastKeyValues_ThrowsNamingWhatIsMissing()
    {
        var g = new OnnxGraphBuilder("plain");
        g.Input("input_ids", Mesh.Inference.ModelBuilder.Onnx.TensorProto.Types.DataType.Int64, "b", "s");
        g.Node("Identity", ["input_ids"], "logits");
        g.Output("logits", Mesh.Inference.ModelBuilder.Onnx.TensorProto.Types.DataType.Int64, "b", "s");
        using var session = new InferenceSession(g.ToModel(17, "", new Dictionary<string, string>()));

        var error = Assert.Throws<InvalidDataException>(() => DecoderSignature.Discover("plain", session));

        Assert.Contains("past_key_values.0.key", error.Message, StringComparison.Ordinal);
        Assert.Contains("attention_mask", error.Message, StringComparison.Ordinal);
    }
}
