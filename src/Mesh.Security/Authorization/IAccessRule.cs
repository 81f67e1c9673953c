using Grpc.Core;

namespace Mesh.Security.Authorization;

/// <summary>
/// What one RPC acts on and may spend: the resource (e.g. <c>tool:calculator</c>), the relation
/// the caller needs on it, the most the call can cost (reserved before it runs) and the real
/// cost of each response (settled after). Services register one per acting RPC.
/// </summary>
public interface IAccessRule
{
    /// <summary>The full gRPC method, e.g. <c>/mesh.tools.v1.Tools/InvokeTool</c>.</summary>
    string Method { get; }

    /// <summary>tool, model, agent or analytics.</summary>
    string ResourceType { get; }

    /// <summary>The relation the caller needs, e.g. <c>invoker</c>.</summary>
    string Relation { get; }

    string ResourceOf(object request);

    Spend MaxSpend(object request, ServerCallContext context);

    void Observe(object response, SpendMeter meter);
}

/// <summary>A typed <see cref="IAccessRule"/>.</summary>
public abstract class AccessRule<TRequest, TResponse> : IAccessRule
    where TRequest : class
    where TResponse : class
{
    public abstract string Method { get; }

    public abstract string ResourceType { get; }

    public virtual string Relation => "invoker";

    public string ResourceOf(object request) => ResourceOf((TRequest)request);

    public Spend MaxSpend(object request, ServerCallContext context) => MaxSpend((TRequest)request, context);

    public void Observe(object response, SpendMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        if (response is TResponse typed)
        {
            Observe(typed, meter);
        }
    }

    /// <summary>Adds the spend a response shows; streams may keep what they learn in <see cref="SpendMeter.Context"/>.</summary>
    protected virtual void Observe(TResponse response, SpendMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.Add(SpendOf(response));
    }

    protected abstract string ResourceOf(TRequest request);

    protected virtual Spend MaxSpend(TRequest request, ServerCallContext context) => default;

    protected virtual Spend SpendOf(TResponse response) => default;
}
