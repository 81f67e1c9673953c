using System.Text.Json;
using Mesh.Pricing;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Storage;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest;

/// <summary>
/// Checks a usage event and turns it into a store record priced by the list in force when it
/// occurred, or says why it cannot be stored. Nothing here throws for bad input: a bad event is rejected, the rest of its batch goes on.
/// </summary>
public sealed class UsageEventConverter(PriceBookProvider prices)
{
    /// <summary>Costs at or past this are rejected: the store keeps DECIMAL(18,9).</summary>
    private const decimal MaxCostUsd = 999_999_999m;

    private static readonly string CostTooHigh = $"the event would cost over {MaxCostUsd} USD; check its token counts and compute_ms";

    /// <summary>
    /// Converts <paramref name="usageEvent"/>; on failure <paramref name="reason"/> says what is wrong.
    /// <paramref name="firstArrival"/> becomes the record's <see cref="UsageRecord.FirstArrival"/>.
    /// </summary>
    public bool TryConvert(UsageEvent usageEvent, out UsageRecord? record, out string reason, bool firstArrival = false)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        record = null;
        var amounts = UsageAmounts.Of(usageEvent);
        reason = Problem(usageEvent, amounts, out var eventId, out var occurredAt) ?? "";
        if (reason.Length > 0)
        {
            return false;
        }

        var pricedAs = PriceCatalog.PricedResource(usageEvent);
        if (!TryPrice(usageEvent.Kind, occurredAt, pricedAs, usageEvent.ResourceVersion, usageEvent.Device, amounts, out var cost, out var priceVersion))
        {
            reason = CostTooHigh;
            return false;
        }

        // Most events have no attributes and no reservation: no dictionary for them.
        var attributes = usageEvent.Attributes.Count == 0 && usageEvent.ReservationId.Length == 0
            ? null
            : new SortedDictionary<string, string>(usageEvent.Attributes, StringComparer.Ordinal);
        cost = attributes is null ? cost : CapAtReservation(usageEvent, cost, attributes);
        record = new UsageRecord
        {
            FirstArrival = firstArrival,
            EventId = eventId,
            OccurredAt = occurredAt,
            TenantId = usageEvent.TenantId,
            PrincipalId = usageEvent.PrincipalId,
            AgentId = usageEvent.AgentId,
            RunId = usageEvent.RunId,
            StepId = usageEvent.StepId,
            Service = usageEvent.Service,
            Kind = UsageNames.Kind(usageEvent.Kind),
            Resource = usageEvent.Resource,
            ResourceVersion = usageEvent.ResourceVersion,
            Device = usageEvent.Device,
            InputTokens = amounts.InputTokens,
            OutputTokens = amounts.OutputTokens,
            CachedTokens = amounts.CachedTokens,
            ReasoningTokens = amounts.ReasoningTokens,
            TtftMs = amounts.TtftMs,
            PricedAs = pricedAs,
            QueueMs = amounts.QueueMs,
            ComputeMs = amounts.ComputeMs,
            TotalMs = amounts.TotalMs,
            BatchSize = amounts.BatchSize,
            Status = UsageNames.Status(usageEvent.Status),
            CostUsd = cost,
            PriceVersion = priceVersion,
            Attributes = attributes is null || attributes.Count == 0 ? "{}" : JsonSerializer.Serialize(attributes),
            TraceId = usageEvent.TraceId,
            ReservationId = usageEvent.ReservationId,
        };
        return true;
    }

    /// <summary>
    /// The cost of one event under the list in force when it occurred, with that list's version
    /// (empty when none); false when the cost is past what the store keeps.
    /// </summary>
    public bool TryPrice(
        UsageKind kind, DateTime occurredAt, string pricedAs, string resourceVersion, string device, in UsageAmounts amounts,
        out decimal cost, out string priceVersion)
    {
        var list = prices.Current.InForce(occurredAt);
        priceVersion = list?.Version ?? "";
        try
        {
            // An outcome is a result reported about other work, not work: it costs nothing.
            cost = kind == UsageKind.Outcome || list is null
                ? 0m
                : list.Catalog.Cost(pricedAs, resourceVersion, device, amounts.InputTokens, amounts.OutputTokens, amounts.CachedTokens, amounts.ComputeMs);
        }
        catch (OverflowException)
        {
            cost = decimal.MaxValue;
        }

        return cost < MaxCostUsd;
    }

    /// <summary>
    /// Work is billed at most what it reserved: a reservation is the price the caller agreed to
    /// before the work ran, so a model slower than its estimate costs the mesh, not the budget.
    /// The reservation, and any amount over it, stay on the stored event's attributes.
    /// </summary>
    private static decimal CapAtReservation(UsageEvent usageEvent, decimal cost, SortedDictionary<string, string> attributes)
    {
        if (usageEvent.ReservationId.Length == 0)
        {
            return cost;
        }

        attributes["reservation_id"] = usageEvent.ReservationId;
        if (!decimal.TryParse(usageEvent.ReservedUsd, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var reserved) || reserved < 0)
        {
            return cost;
        }

        attributes["reserved_usd"] = reserved.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (cost <= reserved)
        {
            return cost;
        }

        attributes["over_reservation_usd"] = (cost - reserved).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return reserved;
    }

    private static string? Problem(UsageEvent e, in UsageAmounts amounts, out Guid eventId, out DateTime occurredAt)
    {
        occurredAt = default;
        if (!Guid.TryParse(e.EventId, out eventId))
        {
            return "event_id must be a UUID";
        }

        if (string.IsNullOrWhiteSpace(e.TenantId))
        {
            return "tenant_id is required";
        }

        if (e.OccurredAt is null)
        {
            return "occurred_at is required";
        }

        try
        {
            occurredAt = e.OccurredAt.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            return "occurred_at is not a valid timestamp";
        }

        if (Mesh.Metering.UsageEventLimits.Problem(e) is { } tooLarge)
        {
            return tooLarge;
        }

        if (e.Kind == UsageKind.Unspecified || !UsageNames.IsKnown(e.Kind))
        {
            return "kind must be set to a known usage kind";
        }

        if (!UsageNames.IsKnown(e.Status))
        {
            return $"status {(int)e.Status} is not a known usage status";
        }

        return amounts.Problem();
    }
}
