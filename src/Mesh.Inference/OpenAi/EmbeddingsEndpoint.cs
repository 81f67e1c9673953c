using System.Runtime.InteropServices;
using System.Text.Json;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary><c>POST /v1/embeddings</c>: a string or an array of strings, vectors as floats or base64 (little-endian float32).</summary>
public sealed class EmbeddingsEndpoint(OpenAiCall call)
{
    public async Task HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            var body = await JsonBody.ReadAsync(http.Request, http.RequestAborted);
            var request = new EmbedRequest { Model = body.RequiredString("model") };
            request.Inputs.AddRange(Inputs(body));
            var format = body.String("encoding_format") ?? "float";
            if (format is not ("float" or "base64"))
            {
                throw OpenAiRequestException.Invalid("encoding_format", $"'{format}' is not one of float, base64");
            }

            body.OnlyDefault("dimensions", _ => false, "is not supported: the model's vectors have a fixed width");
            body.String("user");
            body.RefuseUnread("/v1/embeddings");
            var (response, _) = await call.UnaryAsync<EmbedRequest, EmbedResponse>(http, "Embed", request, (s, r, c) => s.Embed(r, c));
            await JsonResponse.WriteAsync(http, json => Write(json, response, format == "base64"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            await OpenAiErrors.WriteAsync(http, ex, Field);
        }
    }

    private static string Field(string field) => field.StartsWith("inputs", StringComparison.Ordinal) ? "input" + field["inputs".Length..] : field;

    private static List<string> Inputs(JsonBody body)
    {
        var input = body.Get("input") ?? throw new OpenAiRequestException("input", "you must provide 'input'", "missing_required_parameter");
        if (input.ValueKind == JsonValueKind.String)
        {
            return [input.GetString()!];
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            throw OpenAiRequestException.Invalid("input", $"expected a string or an array of strings, got {JsonBody.Kind(input)}");
        }

        var inputs = new List<string>();
        foreach (var item in input.EnumerateArray())
        {
            inputs.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw OpenAiRequestException.Unsupported($"input[{inputs.Count}]", "must be a string: token arrays are not supported, send the text"));
        }

        return inputs;
    }

    private static void Write(Utf8JsonWriter json, EmbedResponse response, bool base64)
    {
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        for (var i = 0; i < response.Embeddings.Count; i++)
        {
            json.WriteStartObject();
            json.WriteString("object", "embedding");
            json.WriteNumber("index", i);
            var values = response.Embeddings[i].Values;
            if (base64)
            {
                json.WriteBase64String("embedding", MemoryMarshal.AsBytes(values.ToArray().AsSpan()));
            }
            else
            {
                json.WriteStartArray("embedding");
                foreach (var value in values)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("model", response.Model);
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", response.InputTokens);
        json.WriteNumber("total_tokens", response.InputTokens);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
