using Grpc.Core;
using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Testing;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Inference.Tests;

[Collection(InferenceHostCollection.Name)]
public sealed class GenerateTests(InferenceHost host)
{
    public const string Model = "tiny-gpt";

    public static GenerateRequest Request(string prompt, int maxTokens = 8) => new() { Model = Model, Prompt = prompt, MaxTokens = maxTokens, IgnoreEos = true };

    public static async Task<(string Text, List<int> Tokens, GenerateResponse Last)> ReadAll(AsyncServerStreamingCall<GenerateResponse> call)
    {
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        GenerateResponse? last = null;
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            text.Append(response.Text);
            tokens.AddRange(response.TokenIds);
            last = response;
        }

        return (text.ToString(), tokens, last!);
    }

    [Fact]
    public async Task Generate_Prompt_StreamsMaxTokensThenSummaryAndOneUsageEvent()
    {
        var tenant = InferenceHost.NewTenant();
        using var call = host.CreateClient().Generate(Request("The mesh serves models", 12), TestCalls.As(TestKeys.Admin, tenant));

        var (text, tokens, last) = await ReadAll(call);

        Assert.Equal(12, tokens.Count);
        Assert.Equal("length", last.FinishReason);
        Assert.Equal(DecoderModelLoader.Gpt2Tokenizer.Decode(tokens), text);
        Assert.Equal(12, last.Summary.OutputTokens);
        Assert.Equal(DecoderModelLoader.Gpt2Tokenizer.EncodeToIds("The mesh serves models").Count, last.Summary.InputTokens);
        Assert.Equal("cpu", last.Summary.Device);
        var usage = Assert.Single(host.EventsOf(tenant));
        Assert.Equal(UsageKind.ModelCall, usage.Kind);
        Assert.Equal(Model, usage.Resource);
        Assert.Equal(12, usage.OutputTokens);
        Assert.Equal(last.Summary.InputTokens, usage.InputTokens);
        Assert.Equal("cpu", usage.Device);
        Assert.True(usage.BatchSize >= 1);
        Assert.True(usage.ComputeMs > 0);
        Assert.Equal("length", usage.Attributes["finish_reason"]);
    }

    [Fact]
    public async Task Generate_SameSeedAndSampling_GivesSameText()
    {
        var client = host.CreateClient();
        GenerateRequest Sampled(ulong seed) => new() { Model = Model, Prompt = "Once upon a time", MaxTokens = 10, Temperature = 0.9f, TopK = 50, TopP = 0.95f, Seed = seed, IgnoreEos = true };

        var first = await ReadAll(client.Generate(Sampled(7), TestCalls.As(TestKeys.Acme)));
        var again = await ReadAll(client.Generate(Sampled(7), TestCalls.As(TestKeys.Acme)));
        var other = await ReadAll(client.Generate(Sampled(8), TestCalls.As(TestKeys.Acme)));

        Assert.Equal(first.Tokens, again.Tokens);
        Assert.NotEqual(first.Tokens, other.Tokens);
    }

    [Fact]
    public async Task Generate_ConcurrentGreedyStreams_EqualTheSameStreamsAlone()
    {
        var client = host.CreateClient();
        string[] prompts = ["Hello", "A much longer prompt about serving many tenants on one GPU", "Mesh", "Costs per token are"];
        var alone = new List<List<int>>();
        foreach (var prompt in prompts)
        {
            alone.Add((await ReadAll(client.Generate(Request(prompt, 16), TestCalls.As(TestKeys.Acme)))).Tokens);
        }

        var together = await Task.WhenAll(prompts.Select(p => ReadAll(client.Generate(Request(p, 16), TestCalls.As(TestKeys.Acme)))));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i], together[i].Tokens);
        }
    }

    [Fact]
    public async Task Generate_StopSequence_EndsBeforeIt()
    {
        var client = host.CreateClient();
        var free = await ReadAll(client.Generate(Request("The quick brown fox", 20), TestCalls.As(TestKeys.Acme)));
        var stop = free.Text.Length > 6 ? free.Text.Substring(3, 3) : free.Text;
        var request = Request("The quick brown fox", 20);
        request.Stop.Add(stop);

        var stopped = await ReadAll(client.Generate(request, TestCalls.As(TestKeys.Acme)));

        Assert.Equal("stop", stopped.Last.FinishReason);
        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
    }

    [Fact]
    public async Task Generate_CallerCancels_FreesTheSlot()
    {
        var served = (ServedDecoderModel)await host.Factory.Services.GetRequiredService<ModelHost>()
            .GetAsync(BuiltinModels.TinyGpt, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();
        var options = TestCalls.As(TestKeys.Acme).WithCancellationToken(cancel.Token);
        using var call = host.CreateClient().Generate(Request("Tell a long story", 900), options);

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        await cancel.CancelAsync();

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (served.Engine.Running > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, served.Engine.Running);
    }
}
