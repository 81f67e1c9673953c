using System.Globalization;
using System.Text;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Pricing.Replay;

/// <summary>
/// The one statement a replay reads: the window's events summed per group, priced resource,
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

    public static SqlStatement Build(SqlDialect dialect, ReplaySpec spec)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(spec);
        var parameters = new List<object>();
        var keys = spec.GroupBy.Select((d, i) => $"{Dimensions[d]} AS k{i}").ToList();
        var period = new StringBuilder("CASE");
        for (var i = spec.PeriodStarts.Count - 1; i >= 1; i--)
        {
            period.Append(" WHEN occurred_at >= ").Append(dialect.Time(parameters, spec.PeriodStarts[i])).Append(" THEN ").Append(i.ToString(CultureInfo.InvariantCulture));
        }

        period.Append(" ELSE 0 END");
        var tier = new StringBuilder("CASE");
        foreach (var threshold in spec.TierThresholds.OrderDescending())
        {
            var text = threshold.ToString(CultureInfo.InvariantCulture);
            tier.Append(" WHEN input_tokens >= ").Append(text).Append(" THEN ").Append(text);
        }

        tier.Append(" ELSE 0 END");
        var select = new List<string>
        {
            "resource AS r",
            "CASE WHEN priced_as = '' THEN resource ELSE priced_as END AS p",
            "resource_version AS v",
            dialect.DeviceClass("device") + " AS d",
            (spec.PeriodStarts.Count > 1 ? period.ToString() : "0") + " AS pe",
            (spec.TierThresholds.Count > 0 ? tier.ToString() : "0") + " AS ti",
        };
        select.AddRange(keys);
        select.Add("COUNT(*) AS events");
        select.Add(dialect.ToInt64("SUM(input_tokens)") + " AS i");
        select.Add(dialect.ToInt64("SUM(cached_tokens)") + " AS c");
        select.Add(dialect.ToInt64("SUM(output_tokens)") + " AS o");
        select.Add(dialect.ToInt64("SUM(" + dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)") + ")") + " AS us");
        select.Add("SUM(cost_usd) AS billed");
        var where = new StringBuilder(dialect.TimeWindow(parameters, spec.From, spec.To)).Append(" AND kind <> 'audit'");
        if (spec.TenantId is not null)
        {
            where.Append(" AND tenant_id = ").Append(dialect.Bind(parameters, spec.TenantId));
        }

        var groupBy = string.Join(", ", new[] { "r", "p", "v", "d", "pe", "ti" }.Concat(spec.GroupBy.Select((_, i) => $"k{i}")));
        return new SqlStatement($"SELECT {string.Join(", ", select)} FROM {dialect.AnalyticsSource} WHERE {where} GROUP BY {groupBy}", parameters);
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
}
