using System.Text;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Analytics.Ledger;

/// <summary>
/// One ledger row per agent run, workflow (agent) or tool: everything the run did (model calls
/// and their tokens, tool runs, steps, device time) and what each part cost.
/// </summary>
public static class LedgerSql
{
    public static readonly IReadOnlyDictionary<string, (string Key, string Condition)> Levels = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["run"] = ("run_id", "run_id <> ''"),
        ["workflow"] = ("agent_id", "agent_id <> ''"),
        ["tool"] = ("resource", "kind = 'tool_call'"),
    };

    private const string ModelKinds = "kind IN ('model_call', 'embedding')";

    public static SqlStatement Build(SqlDialect dialect, LedgerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(spec);
        var (key, condition) = Levels[spec.Level];
        var parameters = new List<object>();
        var where = new StringBuilder(dialect.TimeWindow(parameters, spec.From, spec.To)).Append(" AND kind <> 'audit' AND ").Append(condition);
        foreach (var (column, value) in new[] { ("tenant_id", spec.TenantId), ("agent_id", spec.AgentId), ("run_id", spec.RunId) })
        {
            if (value is not null)
            {
                where.Append(" AND ").Append(column).Append(" = ").Append(dialect.Bind(parameters, value));
            }
        }

        string Count(string when) => dialect.ToInt64($"SUM(CASE WHEN {when} THEN 1 ELSE 0 END)");
        var select = new[]
        {
            $"{key} AS k",
            dialect.ToInt64("COUNT(DISTINCT run_id)"),
            "COUNT(*)",
            Count("kind = 'workflow_step'"),
            Count(ModelKinds),
            dialect.ToInt64("SUM(input_tokens)"),
            dialect.ToInt64("SUM(output_tokens)"),
            Count("kind = 'tool_call'"),
            dialect.ToInt64($"SUM(CASE WHEN device <> '' THEN {dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)")} ELSE 0 END)"),
            $"SUM(CASE WHEN {ModelKinds} THEN {dialect.ToWideDecimal("cost_usd")} ELSE {dialect.ToWideDecimal("0")} END)",
            $"SUM(CASE WHEN kind = 'tool_call' THEN {dialect.ToWideDecimal("cost_usd")} ELSE {dialect.ToWideDecimal("0")} END)",
            $"SUM({dialect.ToWideDecimal("cost_usd")}) AS total_cost",
            Count($"status <> '{UsageNames.Ok}'"),
            $"MIN({dialect.OccurredMicros})",
            $"MAX({dialect.OccurredMicros})",
        };
        var limit = spec.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new SqlStatement(
            $"SELECT {string.Join(", ", select)} FROM {dialect.AnalyticsSource} WHERE {where} GROUP BY {key} ORDER BY total_cost DESC, k LIMIT {limit}",
            parameters);
    }
}

public sealed record LedgerSpec
{
    public required DateTime From { get; init; }

    public required DateTime To { get; init; }

    public string Level { get; init; } = "run";

    public string? TenantId { get; init; }

    public string? AgentId { get; init; }

    public string? RunId { get; init; }

    public int Limit { get; init; } = 100;
}
