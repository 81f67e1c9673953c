using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Mesh.Security.Authorization;

/// <summary>
/// Asks before acting: for every RPC with an <see cref="IAccessRule"/>, authorizes the caller
/// and reserves the call's maximum spend before the handler runs, then settles the real spend
/// measured from its responses. RPCs without a rule pass through.
/// </summary>
public sealed class AuthorizationInterceptor(IEnumerable<IAccessRule> rules, AccessGate gate) : Interceptor
{
    private readonly Dictionary<string, IAccessRule> _rules = rules.ToDictionary(r => r.Method, StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!_rules.TryGetValue(context.Method, out var rule))
        {
            return await continuation(request, context);
        }

        var reservation = await gate.AuthorizeAsync(rule, request, context);
        var meter = new SpendMeter();
        try
        {
            var response = await continuation(request, context);
            rule.Observe(response, meter);
            return response;
        }
        finally
        {
            await gate.SettleAsync(reservation, meter.Total);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (!_rules.TryGetValue(context.Method, out var rule))
        {
            await continuation(request, responseStream, context);
            return;
        }

        var reservation = await gate.AuthorizeAsync(rule, request, context);
        var meter = new SpendMeter();
        try
        {
            await continuation(request, new MeteredStreamWriter<TResponse>(responseStream, rule, meter), context);
        }
        finally
        {
            await gate.SettleAsync(reservation, meter.Total);
        }
    }

    private sealed class MeteredStreamWriter<T>(IServerStreamWriter<T> inner, IAccessRule rule, SpendMeter meter) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message)
        {
            rule.Observe(message!, meter);
            return inner.WriteAsync(message);
        }

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            rule.Observe(message!, meter);
            return inner.WriteAsync(message, cancellationToken);
        }
    }
}
