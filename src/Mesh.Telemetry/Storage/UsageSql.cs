using System.Text;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Storage;

/// <summary>
/// Writes the analytics SQL over <c>usage_events</c> for a dialect, without running it: the one
/// place usage SQL is generated, so DuckDB and ClickHouse answer the same question the same
/// way. Group columns come only from a fixed map of dimensions; filter values are always bound
/// by the dialect (parameters, or literals it escapes).
/// </summary>
public sealed class UsageSql(SqlDialect dialect)
{
    public const string Table = "usage_events";

    private static readonly Dictionary<Dimension, string> Columns = new()
    {
        [Dimension.Tenant] = "tenant_id",
        [Dimension.Principal] = "principal_id",
        [Dimension.Agent] = "agent_id",
        [Dimension.Run] = "run_id",
        [Dimension.Service] = "service",
        [Dimension.Kind] = "kind",
        [Dimension.Resource] = "resource",
        [Dimension.Device] = "device",
        [Dimension.Status] = "status",
    };

    /// <summary>The column a dimension groups by.</summary>
    public static string Column(Dimension dimension) =>
        Columns.TryGetValue(dimension, out var column)
            ? column
            : throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not a groupable dimension");

    /// <summary>Whether <paramref name="dimension"/> can be grouped by.</summary>
    public static bool IsGroupable(Dimension dimension) => Columns.ContainsKey(dimension);

    /// <summary>
    /// The grouped rows: the key columns, then events, input, output and cached tokens,
    /// compute microseconds, cost and errors; largest cost first, then by key, at most the
    /// limit. Where the dialect has <see cref="SqlDialect.GroupTotals"/>, the totals come too.
    /// </summary>
    public SqlStatement Grouped(UsageQuerySpec query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.GroupBy.Count == 0)
        {
            return Total(query);
        }

        var keys = query.GroupBy.Select(Column).ToList();
        var parameters = new List<object>();
        var sql = new StringBuilder("SELECT ")
            .Append(string.Join(", ", keys)).Append(", ")
            .Append(Aggregates())
            .Append(" FROM ").Append(dialect.EventsSource)
            .Append(Where(query, parameters))
            .Append(" GROUP BY ").Append(string.Join(", ", keys)).Append(dialect.GroupTotals)
            .Append(" ORDER BY sum_cost_usd DESC, ").Append(string.Join(", ", keys))
            // The limit is a validated integer, not caller text.
            .Append(" LIMIT ").Append(query.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new SqlStatement(sql.ToString(), parameters);
    }

    /// <summary>One row over every matching event, in the same column order without keys.</summary>
    public SqlStatement Total(UsageQuerySpec query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = new List<object>();
        var sql = "SELECT " + Aggregates() + " FROM " + dialect.EventsSource + Where(query, parameters);
        return new SqlStatement(sql, parameters);
    }

    // Compute time is summed as whole microseconds (each event rounded half up): an integer
    // sum is exact in any order, so every engine, and every run, gives the same total.
    private string Aggregates() =>
        "COUNT(*) AS event_count, "
        + dialect.ToInt64("COALESCE(SUM(input_tokens), 0)") + " AS sum_input_tokens, "
        + dialect.ToInt64("COALESCE(SUM(output_tokens), 0)") + " AS sum_output_tokens, "
        + dialect.ToInt64("COALESCE(SUM(cached_tokens), 0)") + " AS sum_cached_tokens, "
        + dialect.ToInt64("COALESCE(SUM(" + dialect.ToInt64("FLOOR(compute_ms * 1000 + 0.5)") + "), 0)") + " AS sum_compute_us, "
        + "COALESCE(SUM(cost_usd), 0) AS sum_cost_usd, "
        + dialect.ToInt64($"COALESCE(SUM(CASE WHEN status <> '{UsageNames.Ok}' THEN 1 ELSE 0 END), 0)") + " AS error_events";

    private string Where(UsageQuerySpec query, List<object> parameters)
    {
        var sql = new StringBuilder(" WHERE ").Append(dialect.TimeWindow(parameters, query.From, query.To));
        AppendFilter(sql, parameters, "tenant_id", query.TenantId);
        AppendFilter(sql, parameters, "agent_id", query.AgentId);
        AppendFilter(sql, parameters, "run_id", query.RunId);
        AppendFilter(sql, parameters, "resource", query.Resource);
        AppendFilter(sql, parameters, "kind", query.Kind);
        if (query.Kind is null && !query.IncludeAudit)
        {
            sql.Append(" AND kind <> '").Append(UsageNames.Kind(Mesh.Usage.V1.UsageKind.Audit)).Append('\'');
        }

        return sql.ToString();
    }

    private void AppendFilter(StringBuilder sql, List<object> parameters, string column, string? value)
    {
        if (value is not null)
        {
            sql.Append(" AND ").Append(column).Append(" = ").Append(dialect.Bind(parameters, value));
        }
    }
}
