using System.Text.RegularExpressions;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

/// <summary>kjv-gpt, the decoder Mesh trained: served as a built-in model with its own tokenizer, and it writes words.</summary>
[Collection(InferenceHostCollection.Name)]
public sealed partial class KjvGptTests(InferenceHost host)
{
    [Fact]
    public async Task Generate_Greedy_WritesEnglishWordsInItsContext()
    {
        var request = new GenerateRequest { Model = BuiltinModels.KjvGpt.Name, Prompt = "And the king said unto", MaxTokens = 40, Temperature = 0, IgnoreEos = true };

        using var call = host.CreateClient().Generate(request, TestCalls.As(TestKeys.Acme));
        var (text, tokens, last) = await GenerateTests.ReadAll(call);

        Assert.Equal(40, last.Summary.OutputTokens);
        Assert.All(tokens, t => Assert.InRange(t, 0, 4095));
        var words = Words().Matches(text).Select(m => m.Value.ToLowerInvariant()).ToList();
        Assert.True(words.Count >= 15, text);
        // A model that writes language uses its commonest words; random weights would not.
        Assert.Contains(words, w => w is "the" or "and" or "of" or "unto");
    }

    [Fact]
    public async Task ListModels_KjvGpt_ReadyWithThePlainChatTemplate()
    {
        var models = await host.CreateClient().ListModelsAsync(new ListModelsRequest(), TestCalls.As(TestKeys.Acme));

        var kjv = Assert.Single(models.Models, m => m.Name == BuiltinModels.KjvGpt.Name);
        Assert.Equal((ModelKinds.CausalLm, "plain", 256), (kjv.Kind, kjv.ChatTemplate, kjv.MaxInputTokens));
    }

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex Words();
}
