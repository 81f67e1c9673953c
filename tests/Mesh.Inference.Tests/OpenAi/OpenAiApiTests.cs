using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Testing;
using Mesh.Usage.V1;
using OpenAI.Chat;

namespace Mesh.Inference.Tests.OpenAi;

/// <summary>The OpenAI-compatible front through the official OpenAI .NET client: the same calls, usage events and errors as gRPC.</summary>
[Collection(InferenceHostCollection.Name)]
public sealed class OpenAiApiTests(InferenceHost host)
{
    [Fact]
    public async Task Embeddings_OfficialClient_EqualGrpcVectorsAndMeterOneEmbeddingEvent()
    {
        var tenant = InferenceHost.NewTenant();
        var client = OpenAiClients.Official(host.Factory, TestKeys.Admin, tenant).GetEmbeddingClient(InferenceHost.Model);

        var result = await client.GenerateEmbeddingsAsync(["hello world", "the mesh meters every call"]);

        var grpc = await host.CreateClient().EmbedAsync(InferenceHost.Request("hello world", "the mesh meters every call"), TestCalls.As(TestKeys.Admin, tenant));
        Assert.Equal(2, result.Value.Count);
        Assert.Equal(grpc.Embeddings[1].Values.ToArray(), result.Value[1].ToFloats().ToArray());
        Assert.Equal(grpc.InputTokens, result.Value.Usage.InputTokenCount);
        var events = host.EventsOf(tenant);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(UsageKind.Embedding, e.Kind));
    }

    [Fact]
    public async Task Embeddings_Base64_DecodesToTheFloatVector()
    {
        using var http = OpenAiClients.Http(host.Factory, TestKeys.Acme);
        var floats = await PostAsync(http, "/v1/embeddings", """{"model":"all-MiniLM-L6-v2","input":"hello"}""");
        var base64 = await PostAsync(http, "/v1/embeddings", """{"model":"all-MiniLM-L6-v2","input":["hello"],"encoding_format":"base64"}""");

        var expected = floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String(base64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(expected, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        Assert.Equal("list", floats.GetProperty("object").GetString());
    }

    [Fact]
    public async Task Models_OfficialClient_ListsEmbeddingAndLanguageModels()
    {
        var models = await OpenAiClients.Official(host.Factory, TestKeys.Acme).GetOpenAIModelClient().GetModelsAsync();

        Assert.Contains(models.Value, m => m.Id == "all-MiniLM-L6-v2");
        Assert.Contains(models.Value, m => m.Id == "tiny-gpt");
    }

    [Fact]
    public async Task ChatStream_OfficialClient_StreamsTextThenUsageAndMetersOneModelCall()
    {
        var tenant = InferenceHost.NewTenant();
        var chat = OpenAiClients.Official(host.Factory, TestKeys.Admin, tenant).GetChatClient("tiny-gpt");
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var ids = new HashSet<string>();

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 }))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
            finish ??= update.FinishReason;
            ids.Add(update.CompletionId);
        }

        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount is > 0 and <= 8);
        Assert.True(text.Length > 0);
        Assert.NotNull(finish);
        var e = Assert.Single(host.EventsOf(tenant));
        Assert.Equal(UsageKind.ModelCall, e.Kind);
        Assert.Equal(usage.OutputTokenCount, e.OutputTokens);
        Assert.Equal(usage.InputTokenCount, e.InputTokens);
        Assert.Equal("chatcmpl-" + e.EventId, Assert.Single(ids));
    }

    [Fact]
    public async Task Chat_JsonSchema_AnswersParseableJsonMatchingTheSchema()
    {
        var chat = OpenAiClients.Official(host.Factory, TestKeys.Acme).GetChatClient("tiny-gpt");
        var schema = """{"type":"object","properties":{"city":{"type":"string","maxLength":12},"days":{"type":"integer"},"sunny":{"type":"boolean"},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":3}},"required":["city","days","sunny","tags"],"additionalProperties":false}""";
        var options = new ChatCompletionOptions
        {
            MaxOutputTokenCount = 60,
            Temperature = 0.9f,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("trip", BinaryData.FromString(schema)),
        };

        var answer = await chat.CompleteChatAsync([new UserChatMessage("Plan a trip")], options);

        using var json = JsonDocument.Parse(answer.Value.Content[0].Text);
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("city").GetString()!.Length, 0, 12);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("days").ValueKind);
        Assert.True(root.GetProperty("days").TryGetInt64(out _));
        Assert.Contains(root.GetProperty("sunny").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.All(root.GetProperty("tags").EnumerateArray(), t => Assert.Contains(t.GetString(), new[] { "a", "b" }));
        Assert.Equal(ChatFinishReason.Stop, answer.Value.FinishReason);
    }

    [Fact]
    public async Task Chat_RequiredTool_AnswersAToolCallWithArgumentsOfItsSchema()
    {
        var chat = OpenAiClients.Official(host.Factory, TestKeys.Acme).GetChatClient("tiny-gpt");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 60, Temperature = 0, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        options.Tools.Add(ChatTool.CreateFunctionTool("calculator", "evaluates arithmetic",
            BinaryData.FromString("""{"type":"object","properties":{"expression":{"type":"string","maxLength":20}},"required":["expression"]}""")));
        options.Tools.Add(ChatTool.CreateFunctionTool("clock", "tells the time", BinaryData.FromString("""{"type":"object","properties":{}}""")));

        var answer = await chat.CompleteChatAsync([new UserChatMessage("What is 6*7?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, answer.Value.FinishReason);
        var call = Assert.Single(answer.Value.ToolCalls);
        Assert.Contains(call.FunctionName, new[] { "calculator", "clock" });
        using var arguments = JsonDocument.Parse(call.FunctionArguments.ToString());
        if (call.FunctionName == "calculator")
        {
            Assert.InRange(arguments.RootElement.GetProperty("expression").GetString()!.Length, 0, 20);
        }

        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"n":2}""", "n", "unsupported_parameter")]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"frobnicate":true}""", "frobnicate", "unsupported_parameter")]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role", "invalid_value")]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature", "invalid_value")]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"max_tokens":5000}""", "max_tokens", "invalid_value")]
    [InlineData("""{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"string","pattern":"^a+$"}}}}""", "response_format", "invalid_value")]
    [InlineData("""{"model":"tiny-gpt"}""", "messages", "missing_required_parameter")]
    [InlineData("""{"model":"all-MiniLM-L6-v2","input":[1,2,3]}""", "input[0]", "unsupported_parameter")]
    public async Task BadRequest_Answers400NamingTheField(string body, string param, string code)
    {
        using var http = OpenAiClients.Http(host.Factory, TestKeys.Acme);
        var path = body.Contains("\"input\"", StringComparison.Ordinal) ? "/v1/embeddings" : "/v1/chat/completions";

        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnsupportedSchemaKeyword_400SaysWhichKeyword()
    {
        using var http = OpenAiClients.Http(host.Factory, TestKeys.Acme);
        var body = """{"model":"tiny-gpt","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"n":{"type":"integer","minimum":3}}}}}}""";

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("'minimum'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("#/properties/n", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContextOverflow_400WithTheModelsLimit()
    {
        using var http = OpenAiClients.Http(host.Factory, TestKeys.Acme);
        var words = string.Join(' ', Enumerable.Repeat("tokens", 1100));
        var body = JsonSerializer.Serialize(new { model = "tiny-gpt", messages = new[] { new { role = "user", content = words } } });

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("context of 1024 tokens", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_404ModelNotFound()
    {
        var chat = OpenAiClients.Official(host.Factory, TestKeys.Acme).GetChatClient("gpt-17");

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, error.Status);
        Assert.Contains("model_not_found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgedOrMissingKey_401InOpenAisShape()
    {
        var forged = OpenAiClients.Official(host.Factory, "mesh_forged_0000000000000000000000000000000000000000").GetEmbeddingClient(InferenceHost.Model);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => forged.GenerateEmbeddingAsync("hi"));
        Assert.Equal(401, error.Status);

        using var anonymous = OpenAiClients.Http(host.Factory, apiKey: null);
        using var response = await anonymous.GetAsync("/v1/models");
        var body = await ErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownPathOrMethod_404Or405InOpenAisShape()
    {
        using var http = OpenAiClients.Http(host.Factory, TestKeys.Acme);

        using var unknown = await http.PostAsync("/v1/responses", new StringContent("{}", Encoding.UTF8, "application/json"));
        var notFound = await ErrorAsync(unknown, HttpStatusCode.NotFound);
        Assert.StartsWith("Invalid URL (POST /v1/responses)", notFound.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", notFound.GetProperty("type").GetString());

        using var wrongMethod = await http.GetAsync("/v1/chat/completions");
        var notAllowed = await ErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed);
        Assert.Equal("Invalid method for URL (GET /v1/chat/completions): use POST", notAllowed.GetProperty("message").GetString());
    }

    private static async Task<JsonElement> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
    }
}
