using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Grpc;

/// <summary>Adds to the options of an outgoing call to another Mesh service (headers, deadline).</summary>
public interface IOutgoingCallEnricher
{
    CallOptions Enrich(CallOptions call);
}

/// <summary>Every outgoing call without a deadline gets <see cref="MeshGrpcOptions.DefaultDeadline"/>.</summary>
public sealed class DefaultDeadline(IOptions<MeshGrpcOptions> options, TimeProvider time) : IOutgoingCallEnricher
{
    public CallOptions Enrich(CallOptions call) =>
        call.Deadline is null ? call.WithDeadline(time.GetUtcNow().UtcDateTime + options.Value.DefaultDeadline) : call;
}

/// <summary>Runs every registered <see cref="IOutgoingCallEnricher"/> on each outgoing call.</summary>
public sealed class OutgoingCallInterceptor(IEnumerable<IOutgoingCallEnricher> enrichers) : Interceptor
{
    private readonly IOutgoingCallEnricher[] _enrichers = [.. enrichers];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Enrich(context));

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, Enrich(context));

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Enrich(context));

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(Enrich(context));

    private ClientInterceptorContext<TRequest, TResponse> Enrich<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var options = context.Options.Headers is null ? context.Options.WithHeaders([]) : context.Options;
        foreach (var enricher in _enrichers)
        {
            options = enricher.Enrich(options);
        }

        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options);
    }
}
