using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// The run-level aggregations of the VRIO facts, over the events of <c>source</c> matching a
/// filter, a run being the events of one <c>run_id</c> and group (<c>w</c>: the report's window,
/// or the tenant when the compactor rolls a day up). The report runs them over the events the
/// daily roll-up does not answer; the compactor over each closed day's single-day runs.
/// </summary>
public static class VrioRunSql
{
    /// <summary>The event kinds that are calls of a capability.</summary>
    public const string CapabilityKinds = "kind IN ('model_call', 'embedding', 'tool_call', 'retrieval', 'workflow_step')";

    /// <summary>The events that tie a run to a day: its capability calls and any outcome naming it (a superset of what the aggregations read).</summary>
    public const string RunEvents = "run_id <> '' AND (" + CapabilityKinds + " OR kind = 'outcome')";

    private const string K = CapabilityKey.KindOfEvent;

    /// <summary>Days since the Unix epoch of a timestamp column.</summary>
    public static string Day(SqlDialect d, string column)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.IntDiv(d.EpochSeconds(column), "86400");
    }

    /// <summary>
    /// The runs' outcomes attributed to the capabilities each run used, by their share of its cost
    /// (and in equal parts; a workflow gets the whole value), per group, capability and outcome
    /// day: (w, k, resource, resource_version, od, oc, okc, sv, se), the sums exact integers of
    /// 1e-18 USD. Each share is value x part / cost, truncated to 1e-18 USD.
    /// </summary>
    public static string Attributed(SqlDialect d, string source, string group, string filter)
    {
        ArgumentNullException.ThrowIfNull(d);
        var parts = $"SELECT {group} AS w, run_id, {K} AS k, resource, resource_version, SUM({d.Nanos("cost_usd")}) AS cn "
            + $"FROM {source} WHERE {filter} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, run_id, k, resource, resource_version";
        // A run's component cost (cc) and components (n); where the engine can, the run carries its parts in arrays, so they
        // are grouped once and never joined back (ClickHouse: no common subqueries, and a join of the parts is slow).
        const string Totals = "SUM(CASE WHEN k <> 'workflow' THEN cn ELSE 0 END) AS cc, SUM(CASE WHEN k <> 'workflow' THEN 1 ELSE 0 END) AS n";
        var perRun = d.PartsPerRun(parts, Totals);
        var runs = perRun ?? $"SELECT w, run_id, {Totals} FROM ({parts}) AS p0 GROUP BY w, run_id";
        var carried = perRun is null ? "" : ", ks, rs, vs, cns";
        var outcomes = $"SELECT {group} AS w, run_id, {Day(d, "occurred_at")} AS od, CASE WHEN status = 'ok' THEN 1 ELSE 0 END AS ok, COUNT(*) AS c, "
            + $"SUM({d.UsdFromText(d.Attribute("value_usd"))}) AS v FROM {source} WHERE {filter} AND kind = 'outcome' AND run_id <> '' "
            + $"AND {d.Attribute("capability_kind")} = '' GROUP BY w, run_id, od, ok";

        // Per run and outcome row: the value in 1e-18 USD (vw), its equal part (ve), the component cost in nano-USD (ccn), and
        // vw / ccn as a quotient (qr) and remainder (rr), so a part's share, vw x cn / ccn = qr x cn + rr x cn / ccn, takes
        // one 128-bit product and a division in doubles of a remainder below ccn (exact but possibly for its last 1e-18 USD).
        // ClickHouse evaluates every branch of a CASE, so no divisor may be 0 on any row.
        var whole = $"{d.ToExactInteger($"({d.ToWideDecimal("v")}) * 1000000000")} * 1000000000";
        var ccn = d.ToExactInteger("CASE WHEN cc > 0 THEN cc ELSE 1 END");
        var run = $"SELECT w, run_id, od, ok, c, cc{carried}, {whole} AS vw, {d.ExactDiv(whole, d.ToExactInteger("CASE WHEN n > 0 THEN n ELSE 1 END"))} AS ve, {ccn} AS ccn "
            + $"FROM ({outcomes}) AS o INNER JOIN ({runs}) AS r USING (w, run_id)";
        var valued = $"SELECT w, run_id, od, ok, c, cc{carried}, vw, ve, {d.ExactDiv("vw", "ccn")} AS qr, {d.ToDouble($"vw - {d.ExactDiv("vw", "ccn")} * ccn")} AS rr, {d.ToDouble("ccn")} AS ccd "
            + $"FROM ({run}) AS vr";
        var zero = d.ToExactInteger("0");
        var byCost = $"CASE WHEN ok = 0 THEN {zero} WHEN k = 'workflow' THEN vw "
            + $"WHEN cc > 0 THEN qr * {d.ToExactInteger("cn")} + {d.ToExactInteger($"floor(rr * {d.ToDouble("cn")} / ccd)")} ELSE ve END";
        var equal = $"CASE WHEN ok = 0 THEN {zero} WHEN k = 'workflow' THEN vw ELSE ve END";
        return $"SELECT w, k, resource, resource_version, od, SUM(c) AS oc, SUM(ok * c) AS okc, SUM({byCost}) AS sv, SUM({equal}) AS se "
            + "FROM (" + (perRun is null ? $"SELECT * FROM ({parts}) AS p INNER JOIN ({valued}) AS x USING (w, run_id)" : d.EachPart(valued, "w, od, ok, c, cc, vw, ve, qr, rr, ccd"))
            + ") AS pp GROUP BY w, k, resource, resource_version, od";
    }

    /// <summary>Each workflow's runs' whole cost per run day (a run's first capability event's): (w, resource, resource_version, dy, cost).</summary>
    public static string WorkflowRunCost(SqlDialect d, string source, string group, string filter)
    {
        ArgumentNullException.ThrowIfNull(d);
        var workflows = $"SELECT DISTINCT {group} AS w, run_id, resource, resource_version "
            + $"FROM {source} WHERE {filter} AND run_id <> '' AND kind = 'workflow_step'";
        var totals = $"SELECT {group} AS w, run_id, MIN({Day(d, "occurred_at")}) AS dy, SUM({d.ToWideDecimal("cost_usd")}) AS total "
            + $"FROM {source} WHERE {filter} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, run_id";
        return $"SELECT w, resource, resource_version, dy, SUM(total) AS cost FROM ({workflows}) AS f INNER JOIN ({totals}) AS t USING (w, run_id) "
            + "GROUP BY w, resource, resource_version, dy";
    }

    /// <summary>Runs per capability name (a run that used two versions of a name counts once): (w, k, resource, runs).</summary>
    public static string RunsByName(SqlDialect d, string source, string group, string filter) =>
        $"SELECT {group} AS w, {K} AS k, resource, COUNT(DISTINCT run_id) AS runs FROM {source} "
        + $"WHERE {filter} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, k, resource";

    /// <summary>The workflows whose runs used each model and tool: (w, k, resource, resource_version, workflow), distinct.</summary>
    public static string DependentWorkflows(SqlDialect d, string source, string group, string filter)
    {
        var used = $"SELECT DISTINCT {group} AS w, run_id, {K} AS k, resource, resource_version FROM {source} "
            + $"WHERE {filter} AND run_id <> '' AND {CapabilityKinds} AND kind <> 'workflow_step'";
        var workflows = $"SELECT DISTINCT {group} AS w, run_id, resource AS workflow FROM {source} "
            + $"WHERE {filter} AND run_id <> '' AND kind = 'workflow_step'";
        return $"SELECT DISTINCT w, k, resource, resource_version, workflow FROM ({used}) AS u INNER JOIN ({workflows}) AS f USING (w, run_id)";
    }

    /// <summary>Outcomes that name their capability, per group, capability, success and day: (w, ck, resource, resource_version, ok, dy, c, v).</summary>
    public static string NamedOutcomes(SqlDialect d, string source, string group, string filter)
    {
        ArgumentNullException.ThrowIfNull(d);
        return $"SELECT {group} AS w, {d.Attribute("capability_kind")} AS ck, resource, resource_version, CASE WHEN status = 'ok' THEN 1 ELSE 0 END AS ok, "
            + $"{Day(d, "occurred_at")} AS dy, COUNT(*) AS c, SUM({d.UsdFromText(d.Attribute("value_usd"))}) AS v FROM {source} WHERE {filter} AND kind = 'outcome' "
            + $"AND {d.Attribute("capability_kind")} <> '' GROUP BY w, ck, resource, resource_version, ok, dy";
    }

    /// <summary>Per group, day and capability (k, resource, resource_version): calls (c), successes (ok), cost, traced and priced calls, device time (compute, ms).</summary>
    public static string Usage(SqlDialect d, string source, string group, string filter)
    {
        ArgumentNullException.ThrowIfNull(d);
        return $"SELECT {group} AS w, {K} AS k, resource, resource_version, {Day(d, "occurred_at")} AS dy, COUNT(*) AS c, SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS ok, "
            + $"SUM({d.ToWideDecimal("cost_usd")}) AS cost, SUM(CASE WHEN trace_id <> '' THEN 1 ELSE 0 END) AS traced, SUM(CASE WHEN price_version <> '' THEN 1 ELSE 0 END) AS priced, "
            + $"SUM(compute_ms) AS compute FROM {source} WHERE {filter} AND {CapabilityKinds} GROUP BY w, k, resource, resource_version, dy";
    }

    /// <summary>The principals that called each capability: (w, k, resource, resource_version, principal_id), distinct.</summary>
    public static string Principals(SqlDialect d, string source, string group, string filter) =>
        $"SELECT DISTINCT {group} AS w, {K} AS k, resource, resource_version, principal_id FROM {source} WHERE {filter} AND {CapabilityKinds}";
}
