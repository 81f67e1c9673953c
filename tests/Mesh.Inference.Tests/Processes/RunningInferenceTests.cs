using System.Diagnostics;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.DevServers;
using Mesh.Inference.V1;
using Mesh.Testing;
using Xunit.Abstractions;

namespace Mesh.Inference.Tests.Processes;

/// <summary>
/// Clients nobody here wrote against running inference processes: the official openai npm package
/// (tests/openai-node), and hosted-model routes from one process to another over loopback,
/// including an upstream that is down and one that never answers.
/// </summary>
public sealed class RunningInferenceTests(UpstreamPair pair, ITestOutputHelper output) : IClassFixture<UpstreamPair>
{
    [Fact]
    public async Task OpenAiNpmClient_AgainstRunningInference_PassesItsSuite()
    {
        var folder = Path.Combine(MeshBuild.RepositoryRoot(), "tests", "openai-node");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "openai")), $"the openai npm package is not installed: run 'npm ci' in {folder} (scripts/test does)");
        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", "openai-client.test.mjs"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["MESH_OPENAI_URL"] = pair.Gateway.OpenAiUrl.ToString().TrimEnd('/'),
                ["MESH_API_KEY"] = TestKeys.Acme,
                ["MESH_CHAT_MODEL"] = "kjv-gpt",
                ["MESH_TOOL_MODEL"] = "tiny-gpt",
                ["MESH_HOSTED_MODEL"] = "remote-gpt",
            },
        };
        using var node = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = node.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = node.StandardError.ReadToEndAsync(timeout.Token);
        await node.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine(text);

        Assert.True(node.ExitCode == 0, $"node --test failed ({node.ExitCode}):\n{text}\ngateway:\n{pair.Gateway.Output}");
        Assert.Contains("ℹ fail 0", text, StringComparison.Ordinal);
        Assert.Contains("ℹ skipped 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_ModelNameOf100000Characters_NotFoundWithAMessageThatFitsATrailer()
    {
        using var channel = GrpcChannel.ForAddress(pair.Upstream.GrpcUrl);
        var request = new EmbedRequest { Model = new string('m', 100_000), Inputs = { "text" } };

        var error = await Assert.ThrowsAsync<RpcException>(() => new V1.Inference.InferenceClient(channel)
            .EmbedAsync(request, TestCalls.As(TestKeys.Acme, timeout: TimeSpan.FromSeconds(30))).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith("model 'mmm", error.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith(" more characters)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostedModel_Generate_AnswersWhatTheUpstreamAnswersWithItsUsage()
    {
        using var gateway = GrpcChannel.ForAddress(pair.Gateway.GrpcUrl);
        using var upstream = GrpcChannel.ForAddress(pair.Upstream.GrpcUrl);
        var request = new GenerateRequest { Prompt = "And the king said", MaxTokens = 8, Temperature = 0 };

        var routed = await ReadAsync(new V1.Inference.InferenceClient(gateway).Generate(request.Clone().With("remote-gpt"), TestCalls.As(TestKeys.Acme)));
        var direct = await ReadAsync(new V1.Inference.InferenceClient(upstream).Generate(
            new GenerateRequest { Messages = { new ChatMessage { Role = "user", Content = "And the king said" } }, MaxTokens = 8, Temperature = 0, Model = "kjv-gpt" },
            TestCalls.As(TestKeys.Acme)));

        Assert.Equal(direct.Text, routed.Text);
        Assert.Equal("upstream", routed.Last.Summary.Device);
        Assert.Contains(pair.Upstream.OpenAiUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), routed.Last.Summary.Upstream, StringComparison.Ordinal);
        Assert.Equal(direct.Last.Summary.InputTokens, routed.Last.Summary.InputTokens);
        Assert.Equal(direct.Last.Summary.OutputTokens, routed.Last.Summary.OutputTokens);
        Assert.Equal(8, routed.Last.Summary.OutputTokens);
    }

    [Theory]
    [InlineData("down-remote", StatusCode.Unavailable, HttpStatusCode.ServiceUnavailable)]
    [InlineData("silent-remote", StatusCode.DeadlineExceeded, HttpStatusCode.GatewayTimeout)]
    public async Task HostedModel_UpstreamDownOrSilent_FailsWithTheStatusThatSaysSo(string model, StatusCode grpcStatus, HttpStatusCode httpStatus)
    {
        using var gateway = GrpcChannel.ForAddress(pair.Gateway.GrpcUrl);
        var request = new GenerateRequest { Model = model, Prompt = "hello", MaxTokens = 4 };

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(new V1.Inference.InferenceClient(gateway).Generate(request, TestCalls.As(TestKeys.Acme))));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.Acme);
        using var response = await http.PostAsync(new Uri($"{pair.Gateway.OpenAiUrl}/chat/completions"),
            new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello"}],"max_tokens":4}""", Encoding.UTF8, "application/json"));

        Assert.Equal(grpcStatus, error.StatusCode);
        Assert.Contains("upstream", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(httpStatus, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAi_BodyLargerThanTheServerTakes_413InOpenAisErrorShape()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestKeys.Acme);
        // Asks before sending the body, as curl does for large bodies: the answer comes instead of a reset upload.
        http.DefaultRequestHeaders.ExpectContinue = true;
        var content = new string('a', 31_000_000);

        using var response = await http.PostAsync(new Uri($"{pair.Upstream.OpenAiUrl}/chat/completions"),
            new StringContent($$"""{"model":"kjv-gpt","messages":[{"role":"user","content":"{{content}}"}]}""", Encoding.UTF8, "application/json"));
        using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("larger than this server takes", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(string Text, GenerateResponse Last)> ReadAsync(AsyncServerStreamingCall<GenerateResponse> call)
    {
        using (call)
        {
            var text = new StringBuilder();
            GenerateResponse? last = null;
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                text.Append(response.Text);
                last = response;
            }

            return (text.ToString(), last!);
        }
    }
}

internal static class GenerateRequestExtensions
{
    public static GenerateRequest With(this GenerateRequest request, string model)
    {
        request.Model = model;
        return request;
    }
}
