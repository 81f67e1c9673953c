using System.Globalization;
using System.Text;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Pricing.Replay;

/// <summary>
/// The one statement a replay reads: the window's usage summed per group, priced resource,
/// version, device class, tier reached and price-list period, which is all pricing depends on.
/// Prices are then applied to the sums, so a month of events is priced from a few thousand rows.
/// </summary>
public static class ReplaySql
{
    /// <summary>Columns before the group keys: resource, priced key, version, device class, period, tier.</summary>
    public const int PricingColumns = 6;

    public static readonly IReadOnlyDictionary<string, string> Dimensions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["tenant"] = "tenant_id",
        ["principal"] = "principal_id",
        ["agent"] = "agent_id",
        ["workflow"] = "agent_id",
        ["run"] = "run_id",
        ["service"] = "service",
        ["kind"] = "kind",
        ["resource"] = "resource",
        ["device"] = "device",
    };

    public static SqlStatement Build(SqlDialect dialect, ReplaySpec spec) => Build(dialect, spec, out _);

    /// <summary>
    /// The replay's statement. With a compaction state (<see cref="ReplaySpec.Rollup"/>) and a
    /// grouping among the daily priced roll-up's dimensions, whole days come from it; the partial
    /// days at the window's edges, days with events past the roll-up's watermark, days a price
    /// list's start cuts, and resources with tiered prices (a tier depends on each
    /// event's input) come from the events. Both give the same sums per pricing group, which are
    /// added before prices apply, so the costs are the event-level ones to the last digit.
    /// </summary>
    public static SqlStatement Build(SqlDialect dialect, ReplaySpec spec, out bool rollup)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(spec);
        var parameters = new List<object>();
        var tiered = spec.TieredResources.Select(r => r.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        var tieredIn = tiered.Count == 0 ? "" : $"({string.Join(", ", tiered.Select(r => dialect.Bind(parameters, r)))})";
        var isTiered = tiered.Count == 0 ? "1 = 0" : $"(lower(resource) IN {tieredIn} OR lower(CASE WHEN priced_as = '' THEN resource ELSE priced_as END) IN {tieredIn})";
        var hours = RollupHours(dialect, spec);
        rollup = hours is not null;
        var branches = new List<string>();
        var events = new StringBuilder(dialect.TimeWindow(parameters, spec.From, spec.To));
        string? prewhere = null;
        if (hours is { } whole && spec.Rollup is { } state)
        {
            var cut = whole.Cut.Select(d => $" AND day <> {dialect.TimeLiteral(d)}");
            var where = $"{state.DayCondition(dialect, (whole.From, whole.To))}{string.Concat(cut)} AND NOT {isTiered}" + Scope(dialect, spec, parameters);
            branches.Add($"SELECT {Pricing(dialect, spec, parameters, "day", "0")}{Keys(spec)}, events AS n, input_tokens AS i, cached_tokens AS c, output_tokens AS o, compute_us AS us, cost_usd AS cost FROM {dialect.Table(RollupSchema.Daily.Table)} WHERE {where}");
            var raw = state.EventWindows(spec.From, spec.To, (whole.From, whole.To), whole.Cut);
            prewhere = "(" + string.Join(" OR ", raw.Select(w => "(" + dialect.TimeWindow(parameters, w.From, w.To) + ")").Prepend(isTiered)) + ")";
        }

        events.Append(Scope(dialect, spec, parameters));
        var tier = new StringBuilder("CASE");
        foreach (var threshold in spec.TierThresholds.OrderDescending())
        {
            var text = threshold.ToString(CultureInfo.InvariantCulture);
            tier.Append(" WHEN ").Append(isTiered).Append(" AND input_tokens >= ").Append(text).Append(" THEN ").Append(text);
        }

        tier.Append(" ELSE 0 END");
        var eventTier = tiered.Count > 0 && spec.TierThresholds.Count > 0 ? tier.ToString() : "0";
        branches.Add($"SELECT {Pricing(dialect, spec, parameters, "occurred_at", eventTier)}{Keys(spec)}, "
            + string.Join(", ",
                dialect.ToInt64("COUNT(*)") + " AS n",
                dialect.ToInt64("SUM(input_tokens)") + " AS i",
                dialect.ToInt64("SUM(cached_tokens)") + " AS c",
                dialect.ToInt64("SUM(output_tokens)") + " AS o",
                dialect.ToInt64("SUM(" + dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)") + ")") + " AS us",
                "SUM(" + dialect.ToWideDecimal("cost_usd") + ") AS cost")
            + $" FROM {dialect.AnalyticsSource}{(prewhere is null ? "" : dialect.Prewhere(prewhere))} WHERE {events}{(prewhere is null || dialect.HasPrewhere ? "" : " AND " + prewhere)} GROUP BY {GroupBy(spec)}");

        var sums = string.Join(", ", new[] { "n", "i", "c", "o", "us" }.Select(c => dialect.ToInt64($"SUM({c})")).Append("SUM(cost)"));
        return new SqlStatement(
            $"SELECT {GroupBy(spec)}, {sums} FROM ({string.Join(" UNION ALL ", branches)}) t GROUP BY {GroupBy(spec)}", parameters);
    }

    /// <summary>The pricing columns r, p, v, d, pe, ti of rows timed by <paramref name="time"/>.</summary>
    private static string Pricing(SqlDialect dialect, ReplaySpec spec, List<object> parameters, string time, string tier)
    {
        var period = new StringBuilder("CASE");
        for (var i = spec.PeriodStarts.Count - 1; i >= 1; i--)
        {
            period.Append(" WHEN ").Append(time).Append(" >= ").Append(dialect.Time(parameters, spec.PeriodStarts[i])).Append(" THEN ").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        period.Append(" ELSE 0 END");
        return string.Join(", ",
            "resource AS r",
            "CASE WHEN priced_as = '' THEN resource ELSE priced_as END AS p",
            "resource_version AS v",
            dialect.DeviceClass("device") + " AS d",
            dialect.ToInt64(spec.PeriodStarts.Count > 1 ? period.ToString() : "0") + " AS pe",
            dialect.ToInt64(tier) + " AS ti");
    }

    private static string Keys(ReplaySpec spec) => string.Concat(spec.GroupBy.Select((d, i) => $", {Dimensions[d]} AS k{i}"));

    private static string GroupBy(ReplaySpec spec) =>
        string.Join(", ", new[] { "r", "p", "v", "d", "pe", "ti" }.Concat(spec.GroupBy.Select((_, i) => $"k{i}")));

    private static string Scope(SqlDialect dialect, ReplaySpec spec, List<object> parameters) =>
        " AND kind <> 'audit'" + (spec.TenantId is null ? "" : " AND tenant_id = " + dialect.Bind(parameters, spec.TenantId));

    /// <summary>The whole days of the window, and those among them a price list's start cuts; null when the roll-up cannot answer.</summary>
    private static (DateTime From, DateTime To, IReadOnlyList<DateTime> Cut)? RollupHours(SqlDialect dialect, ReplaySpec spec)
    {
        if (!spec.UseRollup || spec.Rollup is null || !spec.GroupBy.All(d => RollupSchema.Daily.Keys.Contains(Dimensions[d]))
            || RollupState.WholeDays(spec.From, spec.To) is not { } days)
        {
            return null;
        }

        var cut = spec.PeriodStarts.Where(s => s.TimeOfDay != TimeSpan.Zero)
            .Select(s => DateTime.SpecifyKind(s.Date, DateTimeKind.Utc))
            .Where(d => d >= days.From && d < days.To).Distinct().Order().ToList();
        return (days.From, days.To, cut);
    }
}

/// <summary>A validated replay: the window, the tenant scope, the grouping, and where prices change within the window.</summary>
public sealed record ReplaySpec
{
    public required DateTime From { get; init; }

    public required DateTime To { get; init; }

    public string? TenantId { get; init; }

    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>The effective dates of the baseline lists in force during the window; index 0 is the list in force at From.</summary>
    public IReadOnlyList<DateTime> PeriodStarts { get; init; } = [];

    /// <summary>Every tier start (input tokens above 0) of the lists involved.</summary>
    public IReadOnlyList<long> TierThresholds { get; init; } = [];

    /// <summary>The resources (and models substituted by them) whose prices are tiered in a list involved; only their events get a tier.</summary>
    public IReadOnlyList<string> TieredResources { get; init; } = [];

    /// <summary>Price whole days from the daily priced roll-up (tests turn it off to compare).</summary>
    public bool UseRollup { get; init; } = true;

    /// <summary>The roll-ups' last compaction; null when there was none (everything is read from the events).</summary>
    public RollupState? Rollup { get; init; }
}
