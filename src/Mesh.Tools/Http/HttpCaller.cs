using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Egress;

namespace Mesh.Tools.Http;

/// <summary>
/// Makes one outbound HTTP request for a tenant: the URL and every redirect are checked against
/// the tenant's allow-list before any connection is made (and the connection itself only reaches
/// addresses the list allows), the response is read up to a size limit, and the whole exchange
/// ends at its time limit.
/// </summary>
public sealed class HttpCaller(HttpAllowLists allowLists)
{
    public const long MaxResponseBytes = 1024 * 1024;
    private static readonly string[] ShownHeaders = ["content-type", "content-length", "location", "etag", "last-modified", "retry-after"];

    public async Task<JsonObject> SendAsync(string tenant, HttpMethod method, Uri url, IReadOnlyDictionary<string, string> headers, HttpContent? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(headers);
        var allowList = allowLists.For(tenant);
        using var http = allowList.CreateClient(Timeout.InfiniteTimeSpan);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        var current = url;
        try
        {
            for (var redirects = 0; ; redirects++)
            {
                if (allowList.Refusal(current) is { } refusal)
                {
                    throw MeshErrors.PermissionDenied(redirects == 0 ? $"http: {refusal}" : $"http: the redirect to {current} was refused: {refusal}");
                }

                using var request = new HttpRequestMessage(method, current) { Content = redirects == 0 ? body : null };
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    if (redirects >= AllowList.MaxRedirects)
                    {
                        throw MeshErrors.FailedPrecondition($"http: more than {AllowList.MaxRedirects} redirects from {url}");
                    }

                    current = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (response.StatusCode is HttpStatusCode.SeeOther || (method == HttpMethod.Post && response.StatusCode is HttpStatusCode.Moved or HttpStatusCode.Found))
                    {
                        method = HttpMethod.Get;
                    }

                    continue;
                }

                var (text, truncated) = await ReadAsync(response.Content, limit.Token);
                return new JsonObject
                {
                    ["status"] = (int)response.StatusCode,
                    ["url"] = current.ToString(),
                    ["headers"] = new JsonObject([.. response.Headers.Concat(response.Content.Headers)
                        .Where(h => ShownHeaders.Contains(h.Key.ToLowerInvariant()))
                        .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)string.Join(", ", h.Value)))]),
                    ["body"] = text,
                    ["truncated"] = truncated,
                    ["elapsed_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3),
                };
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw MeshErrors.DeadlineExceeded($"http: {url} did not answer within {timeout.TotalMilliseconds} ms");
        }
        catch (HttpRequestException ex) when (EgressRefusedException.Within(ex) is { } refused)
        {
            throw MeshErrors.PermissionDenied($"http: {refused.Message} (refused before connecting)");
        }
        catch (HttpRequestException ex)
        {
            throw MeshErrors.Unavailable($"http: {current.Host}:{current.Port} could not be reached: {ex.Message}");
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    private static async Task<(string Text, bool Truncated)> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        var truncated = length > MaxResponseBytes;
        var encoding = content.Headers.ContentType?.CharSet is { } charset ? TryEncoding(charset) : Encoding.UTF8;
        return (encoding.GetString(buffer, 0, (int)Math.Min(length, MaxResponseBytes)), truncated);
    }

    private static Encoding TryEncoding(string charset)
    {
        try
        {
            return Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    /// <summary>A JSON body.</summary>
    public static HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
