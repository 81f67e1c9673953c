using Grpc.Core;
using Grpc.Core.Interceptors;
using Mesh.Metering.Calls;

namespace Mesh.Security.Authorization;

/// <summary>
/// Asks before acting: for every RPC with an <see cref="IAccessRule"/>, authorizes the caller
/// and reserves the call's maximum use before the handler runs. The reservation goes on the
/// call's usage event, which settles it once telemetry has billed it; a call refused here is not
/// metered (its audit event records the refusal). RPCs without a rule pass through.
/// </summary>
public sealed class AuthorizationInterceptor(IEnumerable<IAccessRule> rules, AccessGate gate) : Interceptor
{
    private readonly Dictionary<string, IAccessRule> _rules = rules.ToDictionary(r => r.Method, StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (_rules.TryGetValue(context.Method, out var rule))
        {
            await AuthorizeAsync(rule, request, context);
        }

        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (_rules.TryGetValue(context.Method, out var rule))
        {
            await AuthorizeAsync(rule, request, context);
        }

        await continuation(request, responseStream, context);
    }

    private async Task AuthorizeAsync(IAccessRule rule, object request, ServerCallContext context)
    {
        var usage = UsageScope.Current;
        AccessDecision decision;
        try
        {
            decision = await gate.AuthorizeAsync(rule, request, context);
        }
        catch
        {
            usage?.Refuse();
            throw;
        }

        usage?.Reserve(decision.ReservationId, decision.ReservedUsd);
    }
}
