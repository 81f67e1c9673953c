using Mesh.Usage.V1;

namespace Mesh.Metering.Calls;

/// <summary>
/// The one usage event of the call being served. The metering interceptor opens it for every
/// metered RPC, handlers fill in what they measured (resource, device, tokens, times), the
/// authorization interceptor puts the budget reservation on it, and the interceptor records it
/// exactly once when the call ends, however it ends. That single event is what telemetry bills
/// and what settles the reservation, so the budget and the bill can never disagree.
/// </summary>
public sealed class UsageScope
{
    private static readonly AsyncLocal<UsageScope?> CurrentScope = new();

    internal UsageScope(UsageEvent usageEvent, long startedAt)
    {
        Event = usageEvent;
        StartedAt = startedAt;
    }

    /// <summary>The scope of the metered call being served, or null.</summary>
    public static UsageScope? Current => CurrentScope.Value;

    /// <summary>The event being filled in; the interceptor sets its status, total time and finish time.</summary>
    public UsageEvent Event { get; }

    /// <summary>When the call arrived (a <see cref="TimeProvider"/> timestamp).</summary>
    public long StartedAt { get; }

    /// <summary>True when the call was refused before its work began (not authorized): it is not metered.</summary>
    public bool Refused { get; private set; }

    /// <summary>Marks the call as refused before any work: no usage event is recorded for it.</summary>
    public void Refuse() => Refused = true;

    /// <summary>Puts the budget reservation the event settles on it.</summary>
    public void Reserve(string reservationId, string reservedUsd)
    {
        Event.ReservationId = reservationId ?? "";
        Event.ReservedUsd = reservedUsd ?? "";
    }

    /// <summary>Names what the call used: the model or tool and its version.</summary>
    public void SetResource(string resource, string version)
    {
        Event.Resource = resource ?? "";
        Event.ResourceVersion = version ?? "";
    }

    internal static Restore Enter(UsageScope scope)
    {
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope;
        return new Restore(previous);
    }

    internal readonly struct Restore(UsageScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}
