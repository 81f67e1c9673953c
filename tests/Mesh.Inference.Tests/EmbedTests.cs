using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Testing;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class EmbedTests(InferenceHost host)
{
    [Fact]
    public async Task Embed_OneSentence_Returns384DimensionalUnitVector()
    {
        var response = await host.CreateClient().EmbedAsync(
            InferenceHost.Request("How much does a GPU cost per hour?"), TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));

        var embedding = Assert.Single(response.Embeddings);
        Assert.Equal(384, embedding.Values.Count);
        Assert.Equal(1.0, Vectors.Norm(embedding.Values), 4);
        Assert.Equal(InferenceHost.Model, response.Model);
        Assert.Equal("24.9.52193", response.ModelVersion);
        Assert.Equal("cpu", response.Device);
    }

    [Fact]
    public async Task Embed_Paraphrase_IsCloserThanUnrelatedSentence()
    {
        var response = await host.CreateClient().EmbedAsync(
            InferenceHost.Request("How much does a GPU cost per hour?", "What is the hourly price of a graphics card?", "The cat sleeps on the sofa"),
            TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));

        var (question, paraphrase, unrelated) = (response.Embeddings[0].Values, response.Embeddings[1].Values, response.Embeddings[2].Values);
        var close = Vectors.Dot(question, paraphrase);
        var far = Vectors.Dot(question, unrelated);
        Assert.True(close > far + 0.2, $"paraphrase cosine {close:F3} should clearly exceed unrelated cosine {far:F3}");
    }

    [Fact]
    public async Task Embed_BatchOfThree_MatchesThreeSingleCalls()
    {
        string[] inputs = ["hello world", "A much longer sentence that needs padding in the batch to line up with the others.", "GPU"];
        var client = host.CreateClient();
        var call = TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant());

        var batch = await client.EmbedAsync(InferenceHost.Request(inputs), call);

        for (var i = 0; i < inputs.Length; i++)
        {
            var single = Assert.Single((await client.EmbedAsync(InferenceHost.Request(inputs[i]), call)).Embeddings);
            Assert.Equal(single.Tokens, batch.Embeddings[i].Tokens);
            for (var d = 0; d < single.Values.Count; d++)
            {
                Assert.True(Math.Abs(single.Values[d] - batch.Embeddings[i].Values[d]) < 1e-4, $"input {i} dimension {d} differs between batch and single call");
            }
        }
    }

    [Fact]
    public async Task Embed_HelloWorld_CountsFourTokensLikeTheTokenizer()
    {
        var tokenizer = EmbeddingModelLoader.LoadTokenizer(
            ModelCatalog.MiniLmL6V2.PackagePath(Path.Combine(AppContext.BaseDirectory, "models")), ModelCatalog.MiniLmL6V2);
        const string Sentence = "The quick brown fox jumps over the lazy dog, twice.";

        var response = await host.CreateClient().EmbedAsync(
            InferenceHost.Request("hello world", Sentence), TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));

        Assert.Equal(4, response.Embeddings[0].Tokens);
        Assert.Equal(tokenizer.Encode(Sentence, new long[64], new long[64]), response.Embeddings[1].Tokens);
        Assert.Equal(response.Embeddings.Sum(e => e.Tokens), response.InputTokens);
    }

    [Fact]
    public async Task Embed_InputBeyondTokenLimit_TruncatesTo256TokensAndCountsIt()
    {
        var tenant = InferenceHost.NewTenant();
        var longText = string.Join(' ', Enumerable.Repeat("inference", 600));

        var response = await host.CreateClient().EmbedAsync(InferenceHost.Request(longText, "short"), TestCalls.As(TestKeys.Admin, tenant));

        Assert.Equal(256, response.Embeddings[0].Tokens);
        Assert.Equal(1.0, Vectors.Norm(response.Embeddings[0].Values), 4);
        var usage = Assert.Single(host.EventsOf(tenant));
        Assert.Equal("1", usage.Attributes["truncated_inputs"]);
    }

    [Fact]
    public async Task ListModels_AfterLoad_DescribesMiniLm()
    {
        var client = host.CreateClient();
        await client.EmbedAsync(InferenceHost.Request("load"), TestCalls.As(TestKeys.Admin, InferenceHost.NewTenant()));

        var response = await client.ListModelsAsync(new ListModelsRequest(), TestCalls.As(TestKeys.Acme));

        var model = Assert.Single(response.Models, m => m.Name == InferenceHost.Model);
        Assert.Equal("24.9.52193", model.Version);
        Assert.Equal("embedding", model.Kind);
        Assert.Equal(384, model.Dimensions);
        Assert.Equal(256, model.MaxInputTokens);
        Assert.Equal("cpu", model.Device);
        Assert.Equal("ready", model.State);
        Assert.True(model.MemoryBytes > 0);
        Assert.Equal(32, model.MaxBatch);
    }
}
