using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Mesh.ServiceDefaults.Grpc;

/// <summary>
/// The gRPC call context of a request that arrived as plain HTTP (e.g. the OpenAI-compatible
/// front): its method is the gRPC method it stands for, its metadata the request's
/// <c>authorization</c> and <c>x-mesh-*</c> headers, its cancellation the request's. Interceptors
/// see it exactly as they see a gRPC call, so the request passes the same authentication,
/// authorization and metering.
/// </summary>
public sealed class HttpServerCallContext : ServerCallContext
{
    // Grpc.AspNetCore's GetHttpContext() reads the request from this user-state key.
    private const string HttpContextKey = "__HttpContext";

    private readonly HttpContext _http;
    private readonly Metadata _requestHeaders = [];
    private readonly Metadata _responseTrailers = [];
    private readonly Dictionary<object, object> _userState = [];

    public HttpServerCallContext(HttpContext http, string method)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrEmpty(method);
        _http = http;
        MethodCore = method;
        _userState[HttpContextKey] = http;
        foreach (var (name, values) in http.Request.Headers)
        {
            var key = name.ToLowerInvariant();
            if (key == "authorization" || key.StartsWith("x-mesh-", StringComparison.Ordinal) || key is "traceparent" or "tracestate")
            {
                _requestHeaders.Add(key, values.ToString());
            }
        }
    }

    /// <summary>The request's services (its scope), which interceptors are activated from.</summary>
    public IServiceProvider RequestServices => _http.RequestServices;

    protected override string MethodCore { get; }

    protected override string HostCore => _http.Request.Host.Value ?? "";

    protected override string PeerCore => _http.Connection.RemoteIpAddress is { } address ? $"ipv4:{address}:{_http.Connection.RemotePort}" : "unknown";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => _requestHeaders;

    protected override CancellationToken CancellationTokenCore => _http.RequestAborted;

    protected override Metadata ResponseTrailersCore => _responseTrailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, new Dictionary<string, List<AuthProperty>>());

    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("calls made while serving an HTTP request propagate through the call scope, not a propagation token");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (!_http.Response.HasStarted)
        {
            foreach (var entry in responseHeaders)
            {
                _http.Response.Headers[entry.Key] = entry.Value;
            }
        }

        return Task.CompletedTask;
    }
}
