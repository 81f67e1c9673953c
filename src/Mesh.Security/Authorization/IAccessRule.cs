using Grpc.Core;
using Mesh.Identity.V1;

namespace Mesh.Security.Authorization;

/// <summary>
/// What one RPC acts on and may use: the resource (e.g. <c>tool:calculator</c>), the relation the
/// caller needs on it, other relations the request needs (a priority class), and the most the
/// call can use, which identity prices and reserves before the call runs. What it really used
/// is its usage event (see Mesh.Metering's UsageScope), billed by telemetry, which settles the
/// reservation at the billed cost. Services register one rule per acting RPC.
/// </summary>
public interface IAccessRule
{
    /// <summary>The full gRPC method, e.g. <c>/mesh.tools.v1.Tools/InvokeTool</c>.</summary>
    string Method { get; }

    /// <summary>tool, model, agent or analytics.</summary>
    string ResourceType { get; }

    /// <summary>The relation the caller needs, e.g. <c>invoker</c>.</summary>
    string Relation { get; }

    /// <summary>The resource's id; access rules name it in its canonical form (see <see cref="CanonicalId"/>).</summary>
    string ResourceOf(object request);

    /// <summary>Further relations the caller needs for this request, as <c>type:id#relation</c>.</summary>
    IReadOnlyList<string> AlsoRequired(object request);

    /// <summary>The most the call can use; null when it costs nothing to reserve. May throw InvalidArgument or NotFound.</summary>
    ValueTask<UsageBound?> MaxUsageAsync(object request, ServerCallContext context);
}

/// <summary>A typed <see cref="IAccessRule"/>.</summary>
public abstract class AccessRule<TRequest> : IAccessRule
    where TRequest : class
{
    public abstract string Method { get; }

    public abstract string ResourceType { get; }

    public virtual string Relation => "invoker";

    public string ResourceOf(object request) => CanonicalId.Of(ResourceOf((TRequest)request));

    public IReadOnlyList<string> AlsoRequired(object request) => AlsoRequired((TRequest)request);

    public ValueTask<UsageBound?> MaxUsageAsync(object request, ServerCallContext context) => MaxUsageAsync((TRequest)request, context);

    protected abstract string ResourceOf(TRequest request);

    protected virtual IReadOnlyList<string> AlsoRequired(TRequest request) => [];

    protected virtual ValueTask<UsageBound?> MaxUsageAsync(TRequest request, ServerCallContext context) => ValueTask.FromResult<UsageBound?>(null);
}
