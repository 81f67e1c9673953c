using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Mesh.Inference.Models;
using Mesh.Inference.V1;

namespace Mesh.Bench;

/// <summary>
/// The OpenAI-compatible front against gRPC on the same server: the same embedding and chat calls
/// over HTTP/1.1 + JSON and over gRPC (one caller, after warm-up, in alternating blocks so drift on a
/// shared machine hits both alike), streaming time to first token, and the cost of JSON-schema
/// constrained decoding in tokens per second against the same generation unconstrained.
/// </summary>
public sealed class OpenAiBenchmark : IBenchmark
{
    private const int Rounds = 30;
    private const int Block = 10;
    private const string Sentence = "Agents call tools and models many times per request.";
    private const string Schema = """{"type":"object","properties":{"tool":{"enum":["search","calculator","clock"]},"query":{"type":"string"},"limit":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},"urgent":{"type":"boolean"}},"required":["tool","query","limit","tags","urgent"],"additionalProperties":false}""";
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(3);

    public string Name => "openai";

    public string Description => "OpenAI-compatible HTTP against gRPC (embeddings, chat), streaming time to first token, constrained decoding cost";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.Note($"{Environment.ProcessorCount} cores; server and client share them; p50 over {Rounds} alternating blocks of {Block} calls after {WarmUpTime.TotalSeconds:0} s warm-up");
        var root = BenchServer.Repository(32, withDecoder: true);
        File.WriteAllText(Path.Combine(root, BuiltinModels.MiniLmL6V2.Name, "model.json"), """{ "maxBatch": 32, "loadAtStartup": true }""");
        await using var server = await BenchServer.StartAsync(root, cancellationToken);
        using var http = new HttpClient { BaseAddress = server.OpenAiAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchServer.AdminKey);
        http.DefaultRequestHeaders.Add("x-mesh-tenant", "bench");
        await EmbedAsync(report, server, http, cancellationToken);
        await ChatAsync(report, server, http, cancellationToken);
        await ConstrainedAsync(report, server, cancellationToken);
    }

    private static async Task EmbedAsync(BenchReport report, BenchServer server, HttpClient http, CancellationToken cancellationToken)
    {
        var request = new EmbedRequest { Model = BuiltinModels.MiniLmL6V2.Name, Inputs = { Sentence } };
        var body = JsonSerializer.Serialize(new { model = BuiltinModels.MiniLmL6V2.Name, input = Sentence });
        async Task GrpcAsync() => await server.Client.EmbedAsync(request, BenchServer.As("bench", cancellationToken));
        async Task HttpAsync()
        {
            using var response = await http.PostAsync("embeddings", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
            response.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
            _ = json.RootElement.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        }

        var (grpc, overHttp) = await CompareAsync(GrpcAsync, HttpAsync);
        report.Figure("embed_grpc_p50_ms", grpc, "0.000");
        report.Figure("embed_http_p50_ms", overHttp, "0.000");
        report.Figure("http_vs_grpc_embed_p50_ratio", overHttp / grpc, "0.00");
    }

    private static async Task ChatAsync(BenchReport report, BenchServer server, HttpClient http, CancellationToken cancellationToken)
    {
        const int Tokens = 16;
        var request = new GenerateRequest { Model = BuiltinModels.TinyGpt.Name, Messages = { new ChatMessage { Role = "user", Content = Sentence } }, MaxTokens = Tokens, IgnoreEos = true };
        var body = JsonSerializer.Serialize(new { model = BuiltinModels.TinyGpt.Name, messages = new[] { new { role = "user", content = Sentence } }, max_tokens = Tokens, temperature = 0 });
        var streamBody = JsonSerializer.Serialize(new { model = BuiltinModels.TinyGpt.Name, messages = new[] { new { role = "user", content = Sentence } }, max_tokens = Tokens, temperature = 0, stream = true, stream_options = new { include_usage = true } });
        var grpcFirst = new List<double>();
        var httpFirst = new List<double>();
        async Task GrpcAsync()
        {
            var started = Stopwatch.GetTimestamp();
            using var call = server.Client.Generate(request, BenchServer.As("bench", cancellationToken));
            var first = true;
            await foreach (var _ in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (first)
                {
                    grpcFirst.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    first = false;
                }
            }
        }

        async Task HttpAsync()
        {
            using var response = await http.PostAsync("chat/completions", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
            response.EnsureSuccessStatusCode();
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
            _ = json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        }

        async Task StreamAsync()
        {
            var started = Stopwatch.GetTimestamp();
            using var message = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = new StringContent(streamBody, Encoding.UTF8, "application/json") };
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var first = true;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (first && line.Contains("\"content\":\"", StringComparison.Ordinal) && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
                {
                    httpFirst.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    first = false;
                }
            }
        }

        var (grpc, overHttp) = await CompareAsync(GrpcAsync, HttpAsync);
        grpcFirst.Clear();
        await CompareAsync(GrpcAsync, StreamAsync);
        grpcFirst.Sort();
        httpFirst.Sort();
        report.Figure("chat_grpc_p50_ms", grpc, "0.000");
        report.Figure("chat_http_p50_ms", overHttp, "0.000");
        report.Figure("http_vs_grpc_chat_p50_ratio", overHttp / grpc, "0.00");
        report.Figure("ttft_http_stream_p50_ms", BenchReport.Percentile(httpFirst, 50), "0.000");
        report.Figure("ttft_grpc_p50_ms", BenchReport.Percentile(grpcFirst, 50), "0.000");
    }

    /// <summary>
    /// One stream at a time (no batching to hide the mask's cost), up to 48 greedy tokens: a JSON
    /// object of five fields of several types against the same length unconstrained; tokens per
    /// second over all calls, the constrained ones counted by the tokens they produced. Greedy, so
    /// both pick their token the same way (sampling over a random model's flat logits costs more
    /// than the mask, and masked sampling would look faster than free sampling).
    /// </summary>
    private static async Task ConstrainedAsync(BenchReport report, BenchServer server, CancellationToken cancellationToken)
    {
        const int Tokens = 48;
        const int Calls = 40;
        GenerateRequest Request(ulong seed, bool constrained) => new()
        {
            Model = BuiltinModels.TinyGpt.Name,
            Messages = { new ChatMessage { Role = "user", Content = $"Search for GPU prices, request {seed}" } },
            MaxTokens = Tokens,
            Temperature = 0,
            Seed = seed,
            IgnoreEos = !constrained,
            JsonSchema = constrained ? Schema : "",
        };
        async Task<(int Tokens, double Ms)> RunAsync(ulong seed, bool constrained)
        {
            var started = Stopwatch.GetTimestamp();
            using var call = server.Client.Generate(Request(seed, constrained), BenchServer.As("bench", cancellationToken));
            var tokens = 0;
            await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                tokens = response.Summary?.OutputTokens ?? tokens;
            }

            return (tokens, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var warmUp = Stopwatch.StartNew();
        for (ulong seed = 0; warmUp.Elapsed < WarmUpTime; seed++)
        {
            await RunAsync(seed, constrained: true);
            await RunAsync(seed, constrained: false);
        }

        var (freeTokens, freeMs, jsonTokens, jsonMs) = (0, 0.0, 0, 0.0);
        for (ulong seed = 1000; seed < 1000 + Calls; seed++)
        {
            var free = await RunAsync(seed, constrained: false);
            var json = await RunAsync(seed, constrained: true);
            (freeTokens, freeMs, jsonTokens, jsonMs) = (freeTokens + free.Tokens, freeMs + free.Ms, jsonTokens + json.Tokens, jsonMs + json.Ms);
        }

        var freeRate = freeTokens / (freeMs / 1000);
        var jsonRate = jsonTokens / (jsonMs / 1000);
        report.Note($"constrained decoding: {Calls} calls each, {jsonTokens / (double)Calls:0.0} tokens per JSON answer, {Tokens} unconstrained");
        report.Figure("unconstrained_tokens_per_s", freeRate, "0");
        report.Figure("constrained_tokens_per_s", jsonRate, "0");
        report.Figure("constrained_decoding_slowdown", freeRate / jsonRate, "0.00");
    }

    /// <summary>p50 of each of two calls, timed in alternating blocks (the first call of a block, which follows the other kind, not kept).</summary>
    private static async Task<(double First, double Second)> CompareAsync(Func<Task> first, Func<Task> second)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < WarmUpTime)
        {
            await first();
            await second();
        }

        var a = new List<double>();
        var b = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            await TimeAsync(first, a);
            await TimeAsync(second, b);
        }

        a.Sort();
        b.Sort();
        return (BenchReport.Percentile(a, 50), BenchReport.Percentile(b, 50));
    }

    private static async Task TimeAsync(Func<Task> call, List<double> samples)
    {
        await call();
        for (var i = 0; i < Block; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
