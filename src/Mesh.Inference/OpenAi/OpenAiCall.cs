using Grpc.Core;
using Mesh.Inference.Api;
using Mesh.Metering.Calls;
using Mesh.ServiceDefaults.Grpc;

namespace Mesh.Inference.OpenAi;

/// <summary>
/// Runs an OpenAI request as the Inference RPC it stands for, in process, through the server
/// interceptors (<see cref="ServerCallPipeline"/>): the same credentials, access rules, budget
/// reservation, fair scheduling and one usage event as the same call over gRPC. The call's usage
/// event id comes back in the <c>x-mesh-usage-id</c> header and names the response (<c>id</c>).
/// </summary>
public sealed class OpenAiCall(ServerCallPipeline pipeline, InferenceService service)
{
    public const string Prefix = "/mesh.inference.v1.Inference/";

    public async Task<(TResponse Response, string UsageId)> UnaryAsync<TRequest, TResponse>(
        HttpContext http, string rpc, TRequest request, Func<InferenceService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var context = new HttpServerCallContext(http, Prefix + rpc);
        var response = await pipeline.UnaryAsync<TRequest, TResponse>(request, context, (r, c) => handler(service, r, c));
        var usageId = context.ResponseTrailers.GetValue(MeteringInterceptor.UsageIdTrailer) ?? "";
        if (usageId.Length > 0)
        {
            http.Response.Headers[MeteringInterceptor.UsageIdTrailer] = usageId;
        }

        return (response, usageId);
    }

    public Task StreamAsync<TRequest, TResponse>(
        HttpContext http, string rpc, TRequest request, IServerStreamWriter<TResponse> writer,
        Func<InferenceService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var context = new HttpServerCallContext(http, Prefix + rpc);
        return pipeline.ServerStreamingAsync(request, writer, context, (r, w, c) => handler(service, r, w, c));
    }

    /// <summary>The usage event of the call being served (inside a streaming handler), or empty.</summary>
    public static string CurrentUsageId => UsageScope.Current?.Event.EventId ?? "";
}
