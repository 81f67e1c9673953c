using System.Buffers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary>
/// Turns the Generate stream into an OpenAI answer: server-sent events of <c>chat.completion.chunk</c>
/// or <c>text_completion</c> objects when streaming (with the final usage chunk when asked), or one
/// JSON object at the end. The response id is the call's usage event id.
/// </summary>
public sealed class CompletionWriter(HttpContext http, bool chat, SamplingParameters parameters, string model, TimeProvider time) : IServerStreamWriter<GenerateResponse>
{
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    private readonly StringBuilder _text = new();
    private readonly long _created = time.GetUtcNow().ToUnixTimeSeconds();
    private string _id = "";
    private bool _started;
    private GenerateResponse? _last;

    public WriteOptions? WriteOptions { get; set; }

    private string Object => chat ? parameters.Stream ? "chat.completion.chunk" : "chat.completion" : "text_completion";

    public Task WriteAsync(GenerateResponse message, CancellationToken cancellationToken) => WriteAsync(message);

    public async Task WriteAsync(GenerateResponse message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _text.Append(message.Text);
        if (message.Summary is not null)
        {
            _last = message;
        }

        if (!parameters.Stream)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            _id = OpenAiCall.CurrentUsageId;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers[Metering.Calls.MeteringInterceptor.UsageIdTrailer] = _id;
            if (chat)
            {
                await EventAsync(json => Choice(json, delta: j => { j.WriteString("role", "assistant"); j.WriteString("content", ""); }, finish: null));
            }
        }

        if (message.Text.Length > 0)
        {
            await EventAsync(json => Choice(json, delta: j => j.WriteString(chat ? "content" : "text", message.Text), finish: null));
        }

        if (message.Summary is not null)
        {
            if (message.ToolCalls.Count > 0)
            {
                await EventAsync(json => Choice(json, delta: j => ToolCalls(j, message.ToolCalls, streaming: true), finish: null));
            }

            await EventAsync(json => Choice(json, delta: _ => { }, finish: FinishReason(message.FinishReason)));
            if (parameters.IncludeUsage)
            {
                await EventAsync(json =>
                {
                    json.WriteStartArray("choices");
                    json.WriteEndArray();
                    Usage(json, message.Summary);
                });
            }

            await http.Response.Body.WriteAsync(Done, http.RequestAborted);
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
    }

    /// <summary>Writes the whole answer (not streaming), once the call is over.</summary>
    public async Task CompleteAsync(string usageId)
    {
        if (parameters.Stream || _last is not { } last)
        {
            return;
        }

        _id = usageId;
        await JsonResponse.WriteAsync(http, json => Whole(json, last));
    }

    private void Whole(Utf8JsonWriter json, GenerateResponse last)
    {
        json.WriteStartObject();
        Header(json);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        if (chat)
        {
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            if (last.ToolCalls.Count > 0)
            {
                json.WriteNull("content");
                ToolCalls(json, last.ToolCalls, streaming: false);
            }
            else
            {
                json.WriteString("content", _text.ToString());
            }

            json.WriteNull("refusal");
            json.WriteEndObject();
        }
        else
        {
            json.WriteString("text", _text.ToString());
        }

        json.WriteNull("logprobs");
        json.WriteString("finish_reason", FinishReason(last.FinishReason));
        json.WriteEndObject();
        json.WriteEndArray();
        Usage(json, last.Summary);
        json.WriteEndObject();
    }

    private static string FinishReason(string reason) => reason switch
    {
        "length" => "length",
        "tool_calls" => "tool_calls",
        _ => "stop",
    };

    private async Task EventAsync(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write("data: "u8);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            Header(json);
            body(json);
            json.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private void Header(Utf8JsonWriter json)
    {
        json.WriteString("id", (chat ? "chatcmpl-" : "cmpl-") + _id);
        json.WriteString("object", Object);
        json.WriteNumber("created", _created);
        json.WriteString("model", model);
        json.WriteNull("system_fingerprint");
    }

    private void Choice(Utf8JsonWriter json, Action<Utf8JsonWriter> delta, string? finish)
    {
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        if (chat)
        {
            json.WriteStartObject("delta");
            delta(json);
            json.WriteEndObject();
        }
        else
        {
            delta(json);
            if (finish is not null)
            {
                json.WriteString("text", "");
            }
        }

        json.WriteNull("logprobs");
        if (finish is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finish);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        if (parameters.IncludeUsage)
        {
            json.WriteNull("usage");
        }
    }

    private static void ToolCalls(Utf8JsonWriter json, IEnumerable<ToolCall> calls, bool streaming)
    {
        json.WriteStartArray("tool_calls");
        var index = 0;
        foreach (var call in calls)
        {
            json.WriteStartObject();
            if (streaming)
            {
                json.WriteNumber("index", index++);
            }

            json.WriteString("id", call.Id);
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", call.Name);
            json.WriteString("arguments", call.ArgumentsJson);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void Usage(Utf8JsonWriter json, GenerateSummary summary)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", summary.InputTokens);
        json.WriteNumber("completion_tokens", summary.OutputTokens);
        json.WriteNumber("total_tokens", summary.InputTokens + summary.OutputTokens);
        json.WriteEndObject();
    }
}
