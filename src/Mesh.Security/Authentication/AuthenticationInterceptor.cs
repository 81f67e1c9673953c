using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Security.Authentication;

/// <summary>
/// Authenticates every incoming call except health checks and server reflection, and makes
/// the caller the ambient <see cref="CallScope"/> while the call is served.
/// </summary>
public sealed class AuthenticationInterceptor(ICallerAuthenticator authenticator) : Interceptor
{
    // The token key set holds public keys only: services fetch it before they can authenticate anything.
    private static readonly string[] AnonymousServices =
        ["/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/", "/mesh.identity.v1.KeySet/"];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = Enter(await AuthenticateAsync(context));
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = Enter(await AuthenticateAsync(context));
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = Enter(await AuthenticateAsync(context));
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = Enter(await AuthenticateAsync(context));
        await continuation(requestStream, responseStream, context);
    }

    // AsyncLocal values set inside an awaited method do not flow back to its caller, so the
    // scope is entered by each handler itself, around the continuation.
    private static IDisposable? Enter(CallScope? scope) => scope is null ? null : CallScope.Enter(scope);

    private async ValueTask<CallScope?> AuthenticateAsync(ServerCallContext context)
    {
        if (AnonymousServices.Any(prefix => context.Method.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return null;
        }

        var result = await authenticator.AuthenticateAsync(context.RequestHeaders, context.CancellationToken);
        if (result.Caller is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, result.Failure ?? "not authenticated"));
        }

        // A token's actor and run are facts the issuer signed: they win over headers.
        var headers = context.RequestHeaders;
        var caller = result.Caller;
        return new CallScope(caller, headers.GetValue(MeshHeaders.Authorization) ?? "")
        {
            TenantHeader = headers.GetValue(MeshHeaders.Tenant),
            AgentId = caller.ActorId ?? headers.GetValue(MeshHeaders.Agent) ?? "",
            RunId = caller.Scope is { RunId.Length: > 0 } scope ? scope.RunId : headers.GetValue(MeshHeaders.Run) ?? "",
            StepId = headers.GetValue(MeshHeaders.Step) ?? "",
        };
    }
}
