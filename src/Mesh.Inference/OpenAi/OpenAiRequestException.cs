namespace Mesh.Inference.OpenAi;

/// <summary>A request the OpenAI-compatible front refuses before any work: 400 naming <see cref="Param"/>.</summary>
public sealed class OpenAiRequestException(string? param, string message, string code = "invalid_request_error") : Exception(message)
{
    public string? Param { get; } = param;

    /// <summary>OpenAI's error code, e.g. <c>unsupported_parameter</c>, <c>invalid_value</c>.</summary>
    public string Code { get; } = code;

    public static OpenAiRequestException Unsupported(string param, string why) =>
        new(param, $"Unsupported parameter: '{param}' {why}", "unsupported_parameter");

    public static OpenAiRequestException Invalid(string param, string problem) => new(param, $"Invalid '{param}': {problem}", "invalid_value");
}
