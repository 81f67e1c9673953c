using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.OpenAi;

/// <summary>
/// Writes errors in OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>, with
/// the HTTP status OpenAI uses: 400 for a bad request (naming the field), 401 for a missing or
/// wrong key, 403, 404 for an unknown model, 429 for a used-up budget or a full queue, 5xx for
/// the server's own trouble.
/// </summary>
public static class OpenAiErrors
{
    private const string RetryAfterTrailer = Scheduling.QueueFull.RetryAfterTrailer;

    /// <summary>Writes <paramref name="exception"/>; <paramref name="fieldNames"/> turns a Mesh field name into the OpenAI one.</summary>
    public static async Task WriteAsync(HttpContext http, Exception exception, Func<string, string>? fieldNames = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(exception);
        if (http.Response.HasStarted || http.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var (status, type, param, code, message) = exception switch
        {
            OpenAiRequestException bad => (400, "invalid_request_error", bad.Param, bad.Code, bad.Message),
            RpcException rpc => FromStatus(http, rpc, fieldNames ?? (f => f)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, "invalid_request_error", null, "request_too_large",
                $"the request body is larger than this server takes ({http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize:N0} bytes); send fewer or shorter inputs"),
            BadHttpRequestException bad => (bad.StatusCode, "invalid_request_error", null, "invalid_request_error", $"the request could not be read: {bad.Message}"),
            _ => (500, "server_error", null, "internal_error", "internal error"),
        };
        await WriteAsync(http, status, type, param, code, message);
    }

    /// <summary>
    /// Answers a request for a path the API does not have (404) or with a method its path does not
    /// take (405, naming the one it takes), in OpenAI's words.
    /// </summary>
    public static Task WriteUnknownRouteAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = $"{http.Request.Method} {http.Request.Path}";
        var status = http.Response.StatusCode;
        var message = status == StatusCodes.Status405MethodNotAllowed
            ? $"Invalid method for URL ({request}): use {http.Response.Headers.Allow}"
            : $"Invalid URL ({request}): the API has GET /v1/models, POST /v1/chat/completions, POST /v1/completions and POST /v1/embeddings";
        return WriteAsync(http, status, "invalid_request_error", param: null, code: null, message);
    }

    private static Task WriteAsync(HttpContext http, int status, string type, string? param, string? code, string message) =>
        JsonResponse.WriteAsync(http, json =>
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            WriteOrNull(json, "param", param);
            WriteOrNull(json, "code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }, status);

    private static (int, string, string?, string?, string) FromStatus(HttpContext http, RpcException rpc, Func<string, string> fieldNames)
    {
        var message = rpc.Status.Detail;
        switch (rpc.StatusCode)
        {
            case StatusCode.InvalidArgument:
                var field = rpc.Trailers.GetValue(MeshErrors.FieldTrailer);
                var param = field is null ? null : fieldNames(field);
                if (field is not null && param != field && message.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    message = param + message[field.Length..];
                }

                var code = field is "prompt" or "messages" && message.Contains("context of", StringComparison.Ordinal) ? "context_length_exceeded" : "invalid_value";
                return (400, "invalid_request_error", param, code, message);
            case StatusCode.NotFound:
                return (404, "invalid_request_error", message.StartsWith("model", StringComparison.Ordinal) ? "model" : null,
                    message.StartsWith("model", StringComparison.Ordinal) ? "model_not_found" : "not_found", message);
            case StatusCode.Unauthenticated:
                return (401, "invalid_request_error", null, "invalid_api_key", $"Incorrect API key provided: {message}");
            case StatusCode.PermissionDenied:
                return (403, "permission_error", null, "permission_denied", message);
            case StatusCode.ResourceExhausted when rpc.Trailers.GetValue(RetryAfterTrailer) is { } retryMs:
                if (double.TryParse(retryMs, System.Globalization.CultureInfo.InvariantCulture, out var ms))
                {
                    http.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(ms / 1000)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                return (429, "requests", null, "rate_limit_exceeded", message);
            case StatusCode.ResourceExhausted:
                return (429, "insufficient_quota", null, "insufficient_quota", message);
            case StatusCode.FailedPrecondition:
                return (400, "invalid_request_error", null, "model_not_ready", message);
            case StatusCode.Unavailable:
                return (503, "server_error", null, "unavailable", message);
            case StatusCode.DeadlineExceeded:
                return (504, "server_error", null, "timeout", message);
            case StatusCode.Cancelled:
                return (499, "server_error", null, "cancelled", message);
            default:
                return (500, "server_error", null, "internal_error", message);
        }
    }

    private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
