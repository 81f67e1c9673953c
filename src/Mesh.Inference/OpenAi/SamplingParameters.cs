using System.Text.Json;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary>The sampling and streaming parameters chat and text completions share, read onto a Generate request.</summary>
public sealed record SamplingParameters(bool Stream, bool IncludeUsage, string MaxTokensField)
{
    /// <summary>OpenAI samples at temperature 1 unless told otherwise.</summary>
    public const float DefaultTemperature = 1;

    public static SamplingParameters Read(JsonBody body, GenerateRequest request, bool chat)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(request);
        var maxTokensField = "max_tokens";
        var maxTokens = body.Int("max_tokens", 1, int.MaxValue);
        if (chat && body.Int("max_completion_tokens", 1, int.MaxValue) is { } completionTokens)
        {
            maxTokens = completionTokens;
            maxTokensField = "max_completion_tokens";
        }

        request.MaxTokens = maxTokens ?? (chat ? 0 : 16);
        request.Temperature = (float)(body.Number("temperature", 0, 2) ?? DefaultTemperature);
        request.TopP = (float)(body.Number("top_p", 0, 1) ?? 1);
        request.TopK = body.Int("top_k", 0, int.MaxValue) ?? 0;
        if (body.Get("seed") is { } seed)
        {
            request.Seed = seed.ValueKind == JsonValueKind.Number && seed.TryGetInt64(out var value)
                ? unchecked((ulong)value)
                : throw OpenAiRequestException.Invalid("seed", $"expected an integer, got {JsonBody.Kind(seed)}");
        }

        request.Stop.AddRange(body.Strings("stop"));
        body.OnlyDefault("n", v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n == 1, "must be 1: this server returns one choice per request");
        body.OnlyDefault("presence_penalty", IsZero, "is not supported: leave it 0");
        body.OnlyDefault("frequency_penalty", IsZero, "is not supported: leave it 0");
        body.OnlyDefault("logit_bias", v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "is not supported");
        body.OnlyDefault("logprobs", v => v.ValueKind is JsonValueKind.False, "is not supported");
        body.OnlyDefault("top_logprobs", _ => false, "is not supported");
        body.String("user");
        var stream = body.Bool("stream");
        var includeUsage = false;
        if (body.Get("stream_options") is { } options)
        {
            if (!stream)
            {
                throw OpenAiRequestException.Invalid("stream_options", "is only allowed when 'stream' is true");
            }

            if (options.ValueKind != JsonValueKind.Object)
            {
                throw OpenAiRequestException.Invalid("stream_options", $"expected an object, got {JsonBody.Kind(options)}");
            }

            foreach (var option in options.EnumerateObject())
            {
                includeUsage = option.Name == "include_usage"
                    ? option.Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? option.Value.GetBoolean() : throw OpenAiRequestException.Invalid("stream_options.include_usage", "expected a boolean")
                    : throw OpenAiRequestException.Unsupported($"stream_options.{option.Name}", "is not supported");
            }
        }

        return new SamplingParameters(stream, includeUsage, maxTokensField);
    }

    /// <summary>A Mesh field name as the OpenAI request names it.</summary>
    public string FieldName(string field, bool chat) => field switch
    {
        "max_tokens" => MaxTokensField,
        "prompt" when chat => "messages",
        "json_schema" => "response_format",
        _ => field,
    };

    private static bool IsZero(JsonElement value) => value.ValueKind == JsonValueKind.Number && value.GetDouble() == 0;
}
