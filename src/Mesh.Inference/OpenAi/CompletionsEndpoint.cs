using System.Text.Json;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary><c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>: one Generate call each, streamed as server-sent events or answered whole.</summary>
public sealed class CompletionsEndpoint(OpenAiCall call, TimeProvider time)
{
    public Task ChatAsync(HttpContext http) => HandleAsync(http, chat: true);

    public Task TextAsync(HttpContext http) => HandleAsync(http, chat: false);

    private async Task HandleAsync(HttpContext http, bool chat)
    {
        ArgumentNullException.ThrowIfNull(http);
        SamplingParameters? parameters = null;
        try
        {
            var body = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
            var request = new GenerateRequest { Model = body.RequiredString("model") };
            if (chat)
            {
                ChatRequestReader.Read(body, request);
            }
            else
            {
                request.Prompt = Prompt(body);
                body.OnlyDefault("echo", v => v.ValueKind == JsonValueKind.False, "is not supported");
                body.OnlyDefault("best_of", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 1, "must be 1");
                body.OnlyDefault("suffix", v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0, "is not supported");
            }

            parameters = SamplingParameters.Read(body, request, chat);
            body.RefuseUnread(chat ? "/v1/chat/completions" : "/v1/completions");
            var writer = new CompletionWriter(http, chat, parameters, request.Model, time);
            if (parameters.Stream)
            {
                await call.StreamAsync<GenerateRequest, GenerateResponse>(http, "Generate", request, writer, (s, r, w, c) => s.Generate(r, w, c));
            }
            else
            {
                var (_, usageId) = await call.UnaryAsync<GenerateRequest, Empty>(http, "Generate", request, async (s, r, c) =>
                {
                    await s.Generate(r, writer, c);
                    return Empty.Instance;
                });
                await writer.CompleteAsync(usageId);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            var fields = parameters;
            await OpenAiErrors.WriteAsync(http, ex, f => fields?.FieldName(f, chat) ?? (chat && f == "prompt" ? "messages" : f));
        }
    }

    private static string Prompt(JsonBody body)
    {
        var prompt = body.Get("prompt") ?? throw new OpenAiRequestException("prompt", "you must provide 'prompt'", "missing_required_parameter");
        return prompt.ValueKind switch
        {
            JsonValueKind.String => prompt.GetString()!,
            JsonValueKind.Array when prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String => prompt[0].GetString()!,
            JsonValueKind.Array => throw OpenAiRequestException.Unsupported("prompt", "must be one string: batches of prompts and token arrays are not supported"),
            _ => throw OpenAiRequestException.Invalid("prompt", $"expected a string, got {JsonBody.Kind(prompt)}"),
        };
    }

    /// <summary>The response of a streaming RPC run as unary (the answer is written when the call is over).</summary>
    private sealed class Empty
    {
        public static readonly Empty Instance = new();
    }
}
