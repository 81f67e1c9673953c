using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Security.Authentication;

/// <summary>
/// Authenticates every incoming call except health checks, server reflection, identity's key set
/// and the service-key exchange, and makes the caller the ambient <see cref="CallScope"/> while
/// the call is served. Who the call is for comes from the credential alone: the agent from a
/// token's actor, the run from a token's run scope; the <c>x-mesh-agent</c>, <c>x-mesh-run</c> and
/// <c>x-mesh-step</c> headers are honoured only from mesh admins (and the step from a run's own
/// token), so no caller can bill its work to an agent or run it does not hold.
/// </summary>
public sealed class AuthenticationInterceptor(ICallerAuthenticator authenticator, AuthenticationFailures failures) : Interceptor
{
    /// <summary>Longest header value honoured for the tenant, agent, run and step.</summary>
    public const int MaxHeaderValue = 128;

    // The key set holds public keys only: services fetch it before they can authenticate anything.
    // The service-key exchange checks its credential itself.
    private static readonly string[] AnonymousPrefixes =
        ["/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.ServerReflection/", "/mesh.identity.v1.KeySet/"];

    private const string ServiceTokenExchange = "/mesh.identity.v1.Tokens/IssueServiceToken";

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
        if (IsAnonymous(context.Method))
        {
            return null;
        }

        var headers = context.RequestHeaders;
        var result = await authenticator.AuthenticateAsync(headers, context.CancellationToken);
        if (result.Caller is null)
        {
            var reason = result.Failure ?? "not authenticated";
            failures.Record(context.Method, reason, CredentialKind(headers));
            throw MeshErrors.Unauthenticated(reason);
        }

        var caller = result.Caller;
        var runScope = caller.Scope is { RunId.Length: > 0 } scope ? scope.RunId : null;
        return new CallScope(caller, headers.GetValue(MeshHeaders.Authorization) ?? "")
        {
            TenantHeader = caller.IsAdmin ? Header(headers, MeshHeaders.Tenant) : null,
            AgentId = caller.ActorId ?? (caller.IsAdmin ? Header(headers, MeshHeaders.Agent) : null) ?? "",
            RunId = runScope ?? (caller.IsAdmin ? Header(headers, MeshHeaders.Run) : null) ?? "",
            StepId = (runScope is not null || caller.IsAdmin ? Header(headers, MeshHeaders.Step) : null) ?? "",
            Method = context.Method,
        };
    }

    private static bool IsAnonymous(string method)
    {
        if (method == ServiceTokenExchange)
        {
            return true;
        }

        foreach (var prefix in AnonymousPrefixes)
        {
            if (method.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A header value, or InvalidArgument when it is too long to be an id.</summary>
    private static string? Header(Metadata headers, string key)
    {
        var value = headers.GetValue(key)?.Trim();
        return value is { Length: > MaxHeaderValue }
            ? throw MeshErrors.InvalidArgument(key, $"is {value.Length} characters long; at most {MaxHeaderValue}")
            : value;
    }

    private static string CredentialKind(Metadata headers)
    {
        var authorization = headers.GetValue(MeshHeaders.Authorization);
        if (string.IsNullOrEmpty(authorization))
        {
            return "none";
        }

        var credential = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : "";
        return JwsToken.LooksLikeToken(credential) ? "token" : ApiKeyFormat.TryParse(credential, out var keyId) ? $"key:{keyId}" : "other";
    }
}
