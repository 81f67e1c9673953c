namespace Mesh.ServiceDefaults.Calls;

/// <summary>
/// The ambient context of the call being served: who called, with what credential, and on
/// behalf of which agent run and step. It flows through awaits, so outgoing calls and usage
/// events made while serving a request carry it without passing it by hand.
/// </summary>
public sealed record CallScope(Caller Caller, string Authorization)
{
    private static readonly AsyncLocal<CallScope?> CurrentScope = new();

    /// <summary>The scope of the call being served, or null outside a call.</summary>
    public static CallScope? Current => CurrentScope.Value;

    /// <summary>The tenant header as the caller sent it (admins use it to act in a tenant).</summary>
    public string? TenantHeader { get; init; }

    public string AgentId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string StepId { get; init; } = "";

    /// <summary>The gRPC method being served, e.g. <c>/mesh.tools.v1.Tools/InvokeTool</c>.</summary>
    public string Method { get; init; } = "";

    /// <summary>Makes <paramref name="scope"/> current until the returned value is disposed.</summary>
    public static IDisposable Enter(CallScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope;
        return new Restore(previous);
    }

    /// <summary>Enters a child scope of the current call for one step of an agent run.</summary>
    public static IDisposable EnterStep(string agentId, string runId, string stepId)
    {
        var current = CurrentScope.Value ?? throw new InvalidOperationException("No call is being served.");
        return Enter(current with { AgentId = agentId, RunId = runId, StepId = stepId });
    }

    private sealed class Restore(CallScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}
