using System.Collections.Concurrent;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Grpc;

/// <summary>
/// Runs a gRPC method's handler in process through the server interceptors, in the order gRPC runs
/// them (errors, authentication, metering, authorization: see <see cref="ServerInterceptorStage"/>),
/// for a request that arrived another way. A front such as the OpenAI-compatible HTTP API is then
/// one more way into the same call path, not a copy of it: the same credentials, access rules,
/// budget reservations, fair scheduling and one usage event per call.
/// </summary>
public sealed class ServerCallPipeline(IOptions<GrpcServiceOptions> options, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Type, ObjectFactory> _factories = new();

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        var interceptors = Create(ServicesOf(context));
        try
        {
            var next = handler;
            for (var i = interceptors.Count - 1; i >= 0; i--)
            {
                var (interceptor, inner) = (interceptors[i], next);
                next = (r, c) => interceptor.UnaryServerHandler(r, c, inner);
            }

            return await next(request, context);
        }
        finally
        {
            Release(interceptors, ServicesOf(context));
        }
    }

    public async Task ServerStreamingAsync<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> writer, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class
        where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        var interceptors = Create(ServicesOf(context));
        try
        {
            var next = handler;
            for (var i = interceptors.Count - 1; i >= 0; i--)
            {
                var (interceptor, inner) = (interceptors[i], next);
                next = (r, w, c) => interceptor.ServerStreamingServerHandler(r, w, c, inner);
            }

            await next(request, writer, context);
        }
        finally
        {
            Release(interceptors, ServicesOf(context));
        }
    }

    /// <summary>The interceptors of one call, as gRPC activates them: from the container when registered there, else created for the call.</summary>
    private IServiceProvider ServicesOf(ServerCallContext context) => (context as HttpServerCallContext)?.RequestServices ?? services;

    private List<Interceptor> Create(IServiceProvider services)
    {
        var registrations = options.Value.Interceptors;
        var interceptors = new List<Interceptor>(registrations.Count);
        foreach (var registration in registrations)
        {
            var interceptor = services.GetService(registration.Type) as Interceptor
                ?? (Interceptor)_factories.GetOrAdd(registration.Type, type => ActivatorUtilities.CreateFactory(type, [.. registration.Arguments.Select(a => a.GetType())]))
                    (services, [.. registration.Arguments]);
            interceptors.Add(interceptor);
        }

        return interceptors;
    }

    private static void Release(List<Interceptor> interceptors, IServiceProvider services)
    {
        foreach (var interceptor in interceptors)
        {
            if (interceptor is IDisposable disposable && services.GetService(interceptor.GetType()) is null)
            {
                disposable.Dispose();
            }
        }
    }
}
