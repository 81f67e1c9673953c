using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Analytics.Sql;

/// <summary>
/// The VRIO views of tenant SQL, each reading only the tenant's rows: <c>vrio_capabilities</c>,
/// the metadata its owners set (latest per capability), and <c>vrio_indicators</c>, per day and
/// capability the facts the indicators are computed from (calls, successes, cost, principals,
/// traced, priced and permission-checked calls, p95 latency, device time, outcomes and their
/// value attributed by cost share). The report (Vrio/GetReport) judges windows of these days;
/// the view's values are in double precision where the report's are exact decimals.
/// </summary>
public static class VrioViews
{
    public const string Capabilities = "vrio_capabilities";
    public const string Indicators = "vrio_indicators";

    private const string CapabilityKinds = "kind IN ('model_call', 'embedding', 'tool_call', 'retrieval', 'workflow_step')";
    private const string K = CapabilityKey.KindOfEvent;

    public static string CapabilitiesSql(SqlDialect d, string tenant, List<object> parameters)
    {
        ArgumentNullException.ThrowIfNull(d);
        var order = $"{d.EpochSeconds("written_at")} * 10000000 + seq";
        var latest = $"SELECT kind, name, version, {d.ArgMax("metadata", order)} AS metadata, MAX(written_at) AS updated_at "
            + $"FROM {d.Table(CapabilityStore.Table)} WHERE tenant_id = {d.Bind(parameters, tenant)} GROUP BY kind, name, version";
        return $"SELECT kind, name, version, {d.JsonText("metadata", "owner")} AS owner, {d.JsonText("metadata", "category")} AS category, "
            + $"lower(replace({d.JsonText("metadata", "provenance")}, 'PROVENANCE_', '')) AS provenance, "
            + $"{d.JsonNumber("metadata", "sloSuccessRate")} AS slo_success_rate, {d.JsonNumber("metadata", "sloP95Ms")} AS slo_p95_ms, "
            + $"{d.JsonText("metadata", "budgetUsd")} AS budget_usd, {d.JsonNumber("metadata", "reservedDeviceSeconds")} AS reserved_device_seconds, "
            + $"updated_at, {d.JsonText("metadata", "updatedBy")} AS updated_by FROM ({latest}) AS m";
    }

    public static string IndicatorsSql(SqlDialect d, string tenant, List<object> parameters)
    {
        ArgumentNullException.ThrowIfNull(d);
        string Events() => $"{d.AnalyticsSource} WHERE tenant_id = {d.Bind(parameters, tenant)}";
        var day = d.Date("occurred_at");
        var ok = "CASE WHEN status = 'ok' THEN 1 ELSE 0 END";
        var value = $"CASE WHEN status = 'ok' THEN {d.ToDouble(d.UsdFromText(d.Attribute("value_usd")))} ELSE 0 END";

        var facts = $"SELECT {day} AS day, {K} AS ck, resource AS name, resource_version AS version, concat({K}, ':', resource) AS obj, "
            + $"COUNT(*) AS calls, SUM({ok}) AS ok_calls, SUM({d.ToWideDecimal("cost_usd")}) AS cost_usd, COUNT(DISTINCT principal_id) AS principals, "
            + "SUM(CASE WHEN trace_id <> '' THEN 1 ELSE 0 END) AS traced_calls, SUM(CASE WHEN price_version <> '' THEN 1 ELSE 0 END) AS priced_calls, "
            + $"{d.Quantile("total_ms", 0.95)} AS p95_total_ms, SUM(compute_ms) AS compute_ms "
            + $"FROM {Events()} AND {CapabilityKinds} GROUP BY day, ck, name, version, obj";

        // A run's outcomes go to the capabilities it used by their share of its cost (a workflow gets them whole).
        string RunParts() => $"SELECT run_id, {K} AS ck, resource AS name, resource_version AS version, {d.ToDouble($"SUM({d.ToWideDecimal("cost_usd")})")} AS c, MIN({day}) AS day "
            + $"FROM {Events()} AND run_id <> '' AND {CapabilityKinds} GROUP BY run_id, ck, name, version";
        var totals = "SELECT run_id, SUM(CASE WHEN ck <> 'workflow' THEN c ELSE 0 END) AS comp, SUM(CASE WHEN ck <> 'workflow' THEN 1 ELSE 0 END) AS parts "
            + $"FROM ({RunParts()}) AS r0 GROUP BY run_id";
        var outcomes = $"SELECT run_id, COUNT(*) AS outcomes, SUM({ok}) AS ok_outcomes, SUM({value}) AS v FROM {Events()} AND kind = 'outcome' AND run_id <> '' GROUP BY run_id";
        var runs = $"SELECT run_id, comp, parts, outcomes, ok_outcomes, v FROM ({totals}) AS t INNER JOIN ({outcomes}) AS o USING (run_id)";
        var attributed = $"SELECT day, ck, name, version, {d.ToInt64("SUM(outcomes)")} AS outcomes, {d.ToInt64("SUM(ok_outcomes)")} AS ok_outcomes, "
            + "SUM(CASE WHEN ck = 'workflow' THEN v WHEN comp > 0 THEN v * c / comp ELSE v / greatest(parts, 1) END) AS value_usd "
            + $"FROM ({RunParts()}) AS r INNER JOIN ({runs}) AS x USING (run_id) GROUP BY day, ck, name, version";
        var direct = $"SELECT {day} AS day, {d.Attribute("capability_kind")} AS ck, resource AS name, resource_version AS version, "
            + $"{d.ToInt64("COUNT(*)")} AS outcomes, {d.ToInt64($"SUM({ok})")} AS ok_outcomes, {d.ToDouble($"SUM({value})")} AS value_usd "
            + $"FROM {Events()} AND kind = 'outcome' AND run_id = '' GROUP BY day, ck, name, version";
        var values = "SELECT day, ck, name, version, SUM(outcomes) AS outcomes, SUM(ok_outcomes) AS ok_outcomes, SUM(value_usd) AS value_usd "
            + $"FROM ({attributed} UNION ALL {direct}) AS u GROUP BY day, ck, name, version";
        var valued = "SELECT day, ck, name, version, obj, calls, ok_calls, cost_usd, principals, traced_calls, priced_calls, p95_total_ms, compute_ms, "
            + "COALESCE(outcomes, 0) AS outcomes, COALESCE(ok_outcomes, 0) AS ok_outcomes, COALESCE(value_usd, 0) AS value_usd "
            + $"FROM ({facts}) AS f LEFT JOIN ({values}) AS w USING (day, ck, name, version)";

        // Access decisions name the object (kind:name, every version).
        var checks = $"SELECT {day} AS day, resource AS obj, SUM({ok}) AS checked, SUM(CASE WHEN status = 'denied' THEN 1 ELSE 0 END) AS denied "
            + $"FROM {Events()} AND kind = 'audit' GROUP BY day, obj";
        return "SELECT day, ck AS kind, name, version, calls, ok_calls, cost_usd, principals, traced_calls, priced_calls, "
            + "COALESCE(checked, 0) AS checked_calls, COALESCE(denied, 0) AS denied_checks, p95_total_ms, compute_ms, outcomes, ok_outcomes, value_usd "
            + $"FROM ({valued}) AS fv LEFT JOIN ({checks}) AS a USING (day, obj)";
    }
}
