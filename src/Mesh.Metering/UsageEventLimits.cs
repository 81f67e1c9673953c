using System.Globalization;
using Mesh.Usage.V1;

namespace Mesh.Metering;

/// <summary>
/// Bounds on what a usage event may hold, so no event a caller can shape (a huge tool name in an
/// audit event, thousands of attributes) can jam a sink. Producers bound their events before
/// they spool them (<see cref="Bound"/>); telemetry refuses events past the bounds
/// (<see cref="Problem"/>), which then go to a dead letter with the reason, never round a retry loop.
/// </summary>
public static class UsageEventLimits
{
    /// <summary>Longest id or name (tenant, principal, agent, run, step, resource, version, device, service, trace, reservation).</summary>
    public const int MaxIdLength = 256;

    public const int MaxAttributes = 64;
    public const int MaxAttributeKeyLength = 128;
    public const int MaxAttributeValueLength = 1024;

    /// <summary>Attribute that lists the fields <see cref="Bound"/> shortened.</summary>
    public const string TruncatedAttribute = "mesh.truncated";

    /// <summary>The earliest and latest instants a store can keep (ClickHouse <c>DateTime</c>: 1970 to 2106-02-07).</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    public static readonly DateTimeOffset Latest = new(2106, 2, 7, 6, 28, 15, TimeSpan.Zero);

    /// <summary>
    /// Shortens whatever is past the bounds, in place, and names what it shortened in the
    /// <see cref="TruncatedAttribute"/> attribute: the work still happened and is still billed.
    /// </summary>
    public static void Bound(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        List<string>? truncated = null;
        usageEvent.TenantId = Id(usageEvent.TenantId, "tenant_id", ref truncated);
        usageEvent.PrincipalId = Id(usageEvent.PrincipalId, "principal_id", ref truncated);
        usageEvent.AgentId = Id(usageEvent.AgentId, "agent_id", ref truncated);
        usageEvent.RunId = Id(usageEvent.RunId, "run_id", ref truncated);
        usageEvent.StepId = Id(usageEvent.StepId, "step_id", ref truncated);
        usageEvent.Service = Id(usageEvent.Service, "service", ref truncated);
        usageEvent.Resource = Id(usageEvent.Resource, "resource", ref truncated);
        usageEvent.ResourceVersion = Id(usageEvent.ResourceVersion, "resource_version", ref truncated);
        usageEvent.Device = Id(usageEvent.Device, "device", ref truncated);
        usageEvent.TraceId = Id(usageEvent.TraceId, "trace_id", ref truncated);
        usageEvent.ReservationId = Id(usageEvent.ReservationId, "reservation_id", ref truncated);
        usageEvent.ReservedUsd = Id(usageEvent.ReservedUsd, "reserved_usd", ref truncated);
        if (usageEvent.Attributes.Count > 0 && (usageEvent.Attributes.Count > MaxAttributes || HasLongAttribute(usageEvent)))
        {
            var kept = usageEvent.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Take(MaxAttributes - 1)
                .Select(a => (Key: Cut(a.Key, MaxAttributeKeyLength), Value: Cut(a.Value, MaxAttributeValueLength))).ToList();
            usageEvent.Attributes.Clear();
            foreach (var (key, value) in kept)
            {
                usageEvent.Attributes[key] = value;
            }

            (truncated ??= []).Add("attributes");
        }

        if (truncated is not null)
        {
            usageEvent.Attributes[TruncatedAttribute] = string.Join(',', truncated);
        }
    }

    /// <summary>Why a store must refuse <paramref name="usageEvent"/>'s shape, or null when it is within every bound.</summary>
    public static string? Problem(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        var tooLongId = TooLong("tenant_id", usageEvent.TenantId) ?? TooLong("principal_id", usageEvent.PrincipalId) ?? TooLong("agent_id", usageEvent.AgentId)
            ?? TooLong("run_id", usageEvent.RunId) ?? TooLong("step_id", usageEvent.StepId) ?? TooLong("service", usageEvent.Service)
            ?? TooLong("resource", usageEvent.Resource) ?? TooLong("resource_version", usageEvent.ResourceVersion) ?? TooLong("device", usageEvent.Device)
            ?? TooLong("trace_id", usageEvent.TraceId) ?? TooLong("reservation_id", usageEvent.ReservationId) ?? TooLong("reserved_usd", usageEvent.ReservedUsd);
        if (tooLongId is not null)
        {
            return tooLongId;
        }

        if (usageEvent.Attributes.Count > MaxAttributes)
        {
            return $"the event has {usageEvent.Attributes.Count} attributes; at most {MaxAttributes}";
        }

        if (usageEvent.Attributes.Count > 0 && HasLongAttribute(usageEvent)
            && usageEvent.Attributes.FirstOrDefault(a => a.Key.Length > MaxAttributeKeyLength || a.Value.Length > MaxAttributeValueLength) is { Key: not null } tooLong)
        {
            return $"attribute '{Cut(tooLong.Key, 40)}' is longer than {MaxAttributeKeyLength} characters (key) or {MaxAttributeValueLength} (value)";
        }

        if (usageEvent.OccurredAt is { } at && (at.Seconds < Earliest.ToUnixTimeSeconds() || at.Seconds > Latest.ToUnixTimeSeconds()))
        {
            return $"occurred_at ({at.Seconds.ToString(CultureInfo.InvariantCulture)} s since 1970) is outside {Earliest:yyyy-MM-dd} to {Latest:yyyy-MM-dd}, the range usage stores keep";
        }

        return null;
    }

    private static bool HasLongAttribute(UsageEvent usageEvent)
    {
        foreach (var (key, value) in usageEvent.Attributes)
        {
            if (key.Length > MaxAttributeKeyLength || value.Length > MaxAttributeValueLength)
            {
                return true;
            }
        }

        return false;
    }

    private static string? TooLong(string name, string value) =>
        value.Length > MaxIdLength ? $"{name} is {value.Length} characters long; at most {MaxIdLength}" : null;

    private static string Id(string value, string name, ref List<string>? truncated)
    {
        if (value.Length <= MaxIdLength)
        {
            return value;
        }

        (truncated ??= []).Add(name);
        return Cut(value, MaxIdLength);
    }

    /// <summary>The first <paramref name="length"/> characters, never splitting a surrogate pair.</summary>
    private static string Cut(string value, int length) =>
        value.Length <= length ? value : value[..(char.IsHighSurrogate(value[length - 1]) ? length - 1 : length)];
}
