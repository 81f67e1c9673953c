using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.Cli.Configuration;

namespace Mesh.Cli.Clients;

/// <summary>Turns connection failures into <see cref="ServiceUnreachableException"/> naming the service and address.</summary>
internal sealed class UnreachableInterceptor(MeshService service, Uri address) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(
            GuardAsync(call.ResponseAsync),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(
            new GuardedReader<TResponse>(call.ResponseStream, this),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    private async Task<T> GuardAsync<T>(Task<T> task)
    {
        try
        {
            return await task;
        }
        catch (RpcException e) when (ServiceUnreachableException.IsConnectionFailure(e))
        {
            throw new ServiceUnreachableException(service, address, e);
        }
    }

    private sealed class GuardedReader<T>(IAsyncStreamReader<T> inner, UnreachableInterceptor owner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public Task<bool> MoveNext(CancellationToken cancellationToken) =>
            owner.GuardAsync(inner.MoveNext(cancellationToken));
    }
}
