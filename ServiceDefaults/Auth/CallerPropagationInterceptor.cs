using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using Mesh.ServiceDefaults.Grpc;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// On outgoing calls: carries the original caller's credential and the run context to the
/// next service, and gives every call a deadline when the caller set none.
/// </summary>
public sealed class CallerPropagationInterceptor(IOptions<MeshGrpcOptions> options, TimeProvider time) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithMeshContext(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithMeshContext(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithMeshContext(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithMeshContext(context));

    private ClientInterceptorContext<TRequest, TResponse> WithMeshContext<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var headers = context.Options.Headers ?? [];
        if (CallScope.Current is { } scope)
        {
            AddIfMissing(headers, MeshHeaders.Authorization, scope.Authorization);
            AddIfMissing(headers, MeshHeaders.Tenant, scope.TenantHeader);
            AddIfMissing(headers, MeshHeaders.Agent, scope.AgentId);
            AddIfMissing(headers, MeshHeaders.Run, scope.RunId);
            AddIfMissing(headers, MeshHeaders.Step, scope.StepId);
        }

        var deadline = context.Options.Deadline ?? time.GetUtcNow().UtcDateTime + options.Value.DefaultDeadline;
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers).WithDeadline(deadline));
    }

    private static void AddIfMissing(Metadata headers, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value) && headers.Get(key) is null)
        {
            headers.Add(key, value);
        }
    }
}
