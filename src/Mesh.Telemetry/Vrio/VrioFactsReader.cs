using System.Globalization;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Reads one tenant's usage into <see cref="VrioFacts"/> for two adjacent windows at once (a
/// report's and the one before it): each query scans both windows together and tells their rows
/// apart by a window column, whole hours come from the hourly roll-up where it answers, and the
/// SQL is the subset both engines speak, so DuckDB and ClickHouse give the same facts.
/// </summary>
public sealed class VrioFactsReader(IUsageStore store)
{
    private const string CapabilityKinds = "kind IN ('model_call', 'embedding', 'tool_call', 'retrieval', 'workflow_step')";
    private const string K = CapabilityKey.KindOfEvent;

    /// <summary>The facts of [<paramref name="from"/>, <paramref name="to"/>) and of [<paramref name="previousFrom"/>, <paramref name="from"/>).</summary>
    public async Task<(VrioFacts Current, VrioFacts Previous)> ReadAsync(string tenantId, DateTime previousFrom, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(previousFrom, from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        VrioFacts[] facts = [new VrioFacts { From = from, To = to }, new VrioFacts { From = previousFrom, To = from }];
        var windows = new Windows(store.Dialect, tenantId, previousFrom, from, to);
        await ReadUsageAsync(windows, facts, cancellationToken);
        await ReadDailyAsync(windows, facts, cancellationToken);
        await ReadAttributedAsync(windows, facts, cancellationToken);
        await ReadWorkflowRunCostAsync(windows, facts, cancellationToken);
        await ReadRunLinksAsync(windows, facts, cancellationToken);
        await ReadOutcomesAsync(windows, facts, cancellationToken);
        await ReadHistoryAsync(windows, facts, cancellationToken);
        return (facts[0], facts[1]);
    }

    /// <summary>The capabilities the tenant's usage used in [from, to).</summary>
    public async Task<IReadOnlyList<CapabilityKey>> UsedAsync(string tenantId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var parameters = new List<object>();
        var d = store.Dialect;
        var sql = $"SELECT DISTINCT {K}, resource, resource_version FROM {d.AnalyticsSource} "
            + $"WHERE tenant_id = {d.Bind(parameters, tenantId)} AND {d.TimeWindow(parameters, from, to)} AND {CapabilityKinds}";
        return [.. (await ReadAsync(sql, parameters, cancellationToken)).Select(r => Key(r, 0))];
    }

    /// <summary>Calls, successes, cost, principals, traced and priced calls, p95 latency, device time and days of each capability: one scan of the events.</summary>
    private async Task ReadUsageAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var sql = $"SELECT {windows.Index(parameters)} AS w, {K} AS k, resource, resource_version, COUNT(*), SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END), "
            + $"SUM({d.ToWideDecimal("cost_usd")}), COUNT(DISTINCT principal_id), SUM(CASE WHEN trace_id <> '' THEN 1 ELSE 0 END), "
            + $"SUM(CASE WHEN price_version <> '' THEN 1 ELSE 0 END), {d.Quantile("total_ms", 0.95)}, SUM(compute_ms), COUNT(DISTINCT {Day("occurred_at")}) "
            + $"FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND {CapabilityKinds} GROUP BY w, k, resource, resource_version";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            var key = Key(row, 1);
            facts[Long(row[0])].Usage[key] = new CapabilityUsage(key)
            {
                Calls = Long(row[4]),
                Ok = Long(row[5]),
                CostUsd = Dec(row[6]),
                Principals = Long(row[7]),
                Traced = Long(row[8]),
                Priced = Long(row[9]),
                P95Ms = Double(row[10]),
                ComputeSeconds = Double(row[11]) / 1000,
                Days = (int)Long(row[12]),
            };
        }
    }

    /// <summary>Cost per capability and day, and access decisions per object: whole hours from the roll-up, the hours the windows cut from the events.</summary>
    private async Task ReadDailyAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var branches = new List<string>();
        if (d.HourlyRollup is not null && windows.RollupHours(parameters) is { } hours)
        {
            branches.Add($"SELECT {d.ToInt64(hours.Index)} AS w, kind, resource, resource_version, status, {d.ToInt64(Day("hour"))} AS dy, "
                + $"{d.ToInt64("events")} AS n, {d.ToWideDecimal("cost_usd")} AS cost FROM {d.HourlyRollup} "
                + $"WHERE tenant_id = {d.Bind(parameters, windows.TenantId)} AND ({hours.Where}) AND ({CapabilityKinds} OR kind = 'audit')");
        }

        if (windows.EdgeEvents(parameters, d.HourlyRollup is not null) is { } edges)
        {
            branches.Add($"SELECT {d.ToInt64(windows.Index(parameters))} AS w, kind, resource, resource_version, status, {d.ToInt64(Day("occurred_at"))} AS dy, "
                + $"{d.ToInt64("1")} AS n, {d.ToWideDecimal("cost_usd")} AS cost FROM {d.AnalyticsSource} "
                + $"WHERE tenant_id = {d.Bind(parameters, windows.TenantId)} AND ({edges}) AND ({CapabilityKinds} OR kind = 'audit')");
        }

        if (branches.Count == 0)
        {
            return;
        }

        var sql = $"SELECT w, kind, resource, resource_version, status, dy, SUM(n), SUM(cost) FROM ({string.Join(" UNION ALL ", branches)}) AS t "
            + "GROUP BY w, kind, resource, resource_version, status, dy";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            var window = facts[Long(row[0])];
            if (row[1] == "audit")
            {
                var (allowed, denied) = window.Audits.GetValueOrDefault(row[2] ?? "");
                window.Audits[row[2] ?? ""] = row[4] == UsageNames.Ok ? (allowed + Long(row[6]), denied) : row[4] == "denied" ? (allowed, denied + Long(row[6])) : (allowed, denied);
                continue;
            }

            var key = new CapabilityKey(CapabilityKindOf(row[1]), row[2] ?? "", row[3] ?? "");
            if (!window.DailyCost.TryGetValue(key, out var days))
            {
                window.DailyCost[key] = days = [];
            }

            days[Long(row[5])] = days.GetValueOrDefault(Long(row[5])) + Dec(row[7]);
        }
    }

    /// <summary>
    /// The runs' outcomes attributed in the store to the capabilities each run used, by their
    /// share of its cost (and in equal parts; a workflow gets the whole value), per capability
    /// and outcome day: only those sums leave the store, never a row per run. Each share is
    /// exact to 1e-18 USD (value x part / cost, truncated; see below), summed as a 128-bit
    /// integer, so every engine gives the same digits.
    /// </summary>
    private async Task ReadAttributedAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var parts = $"SELECT {windows.Index(parameters)} AS w, run_id, {K} AS k, resource, resource_version, SUM({d.Nanos("cost_usd")}) AS cn "
            + $"FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, run_id, k, resource, resource_version";
        // A run's component cost (cc) and components (n); where the engine can, the run carries its parts in arrays, so they
        // are grouped once and never joined back (ClickHouse: no common subqueries, and a join of the parts is slow).
        const string Totals = "SUM(CASE WHEN k <> 'workflow' THEN cn ELSE 0 END) AS cc, SUM(CASE WHEN k <> 'workflow' THEN 1 ELSE 0 END) AS n";
        var perRun = d.PartsPerRun(parts, Totals);
        var runs = perRun ?? $"SELECT w, run_id, {Totals} FROM ({parts}) AS p0 GROUP BY w, run_id";
        var carried = perRun is null ? "" : ", ks, rs, vs, cns";
        var outcomes = $"SELECT {windows.Index(parameters)} AS w, run_id, {Day("occurred_at")} AS od, CASE WHEN status = 'ok' THEN 1 ELSE 0 END AS ok, COUNT(*) AS c, "
            + $"SUM({d.UsdFromText(d.Attribute("value_usd"))}) AS v FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND kind = 'outcome' AND run_id <> '' "
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
        var attributed = $"SELECT w, k, resource, resource_version, od, SUM(c) AS oc, SUM(ok * c) AS okc, SUM({byCost}) AS sv, SUM({equal}) AS se "
            + "FROM (" + (perRun is null ? $"SELECT * FROM ({parts}) AS p INNER JOIN ({valued}) AS x USING (w, run_id)" : d.EachPart(valued, "w, od, ok, c, cc, vw, ve, qr, rr, ccd"))
            + ") AS pp GROUP BY w, k, resource, resource_version, od";

        // The sums leave as whole USD and the 1e-18 USD past them, each a 64-bit integer (18.16 garbles the text of a large Decimal128).
        var e18 = d.ToExactInteger("1000000000000000000");
        string Split(string sum) => $"{d.ToInt64(d.ExactDiv(sum, e18))}, {d.ToInt64($"{sum} - {d.ExactDiv(sum, e18)} * {e18}")}";
        var sql = $"SELECT w, k, resource, resource_version, od, oc, okc, {Split("sv")}, {Split("se")} FROM ({attributed}) AS a";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            var window = facts[Long(row[0])];
            var key = Key(row, 1);
            if (!window.Attributed.TryGetValue(key, out var days))
            {
                window.Attributed[key] = days = [];
            }

            days[Long(row[4])] = days.GetValueOrDefault(Long(row[4])) + new AttributedValue(Usd(row[7], row[8]), Usd(row[9], row[10]), Long(row[5]), Long(row[6]));
        }
    }

    /// <summary>Each workflow's runs' whole cost per run day: the runs' totals joined to the workflows that ran them.</summary>
    private async Task ReadWorkflowRunCostAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var workflows = $"SELECT DISTINCT {windows.Index(parameters)} AS w, run_id, resource, resource_version "
            + $"FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND run_id <> '' AND kind = 'workflow_step'";
        var totals = $"SELECT {windows.Index(parameters)} AS w, run_id, MIN({Day("occurred_at")}) AS dy, SUM({d.ToWideDecimal("cost_usd")}) AS total "
            + $"FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, run_id";
        var sql = $"SELECT w, resource, resource_version, dy, SUM(total) FROM ({workflows}) AS f INNER JOIN ({totals}) AS t USING (w, run_id) "
            + "GROUP BY w, resource, resource_version, dy";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            var window = facts[Long(row[0])];
            var key = new CapabilityKey(CapabilityKey.Workflow, row[1] ?? "", row[2] ?? "");
            if (!window.WorkflowRunCost.TryGetValue(key, out var days))
            {
                window.WorkflowRunCost[key] = days = [];
            }

            days[Long(row[3])] = days.GetValueOrDefault(Long(row[3])) + Dec(row[4]);
        }
    }

    /// <summary>Runs per capability name (a run that used two versions of a name counts once), and the workflows whose runs used each model and tool.</summary>
    private async Task ReadRunLinksAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var sql = $"SELECT {windows.Index(parameters)} AS w, {K} AS k, resource, COUNT(DISTINCT run_id) FROM {d.AnalyticsSource} "
            + $"WHERE {windows.Events(parameters)} AND run_id <> '' AND {CapabilityKinds} GROUP BY w, k, resource";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            facts[Long(row[0])].RunsByName[new CapabilityKey(row[1] ?? "", row[2] ?? "", "")] = Long(row[3]);
        }

        parameters.Clear();
        var used = $"SELECT DISTINCT {windows.Index(parameters)} AS w, run_id, {K} AS k, resource, resource_version FROM {d.AnalyticsSource} "
            + $"WHERE {windows.Events(parameters)} AND run_id <> '' AND {CapabilityKinds} AND kind <> 'workflow_step'";
        var workflows = $"SELECT DISTINCT {windows.Index(parameters)} AS w, run_id, resource AS workflow FROM {d.AnalyticsSource} "
            + $"WHERE {windows.Events(parameters)} AND run_id <> '' AND kind = 'workflow_step'";
        sql = $"SELECT DISTINCT w, k, resource, resource_version, workflow FROM ({used}) AS u INNER JOIN ({workflows}) AS f USING (w, run_id)";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            var window = facts[Long(row[0])];
            var key = Key(row, 1);
            if (!window.DependentWorkflows.TryGetValue(key, out var set))
            {
                window.DependentWorkflows[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(row[4] ?? "");
        }
    }

    /// <summary>Outcomes that name their capability, per capability, success and day, counted and their values summed in the store.</summary>
    private async Task ReadOutcomesAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var sql = $"SELECT {windows.Index(parameters)} AS w, {d.Attribute("capability_kind")} AS ck, resource, resource_version, CASE WHEN status = 'ok' THEN 1 ELSE 0 END AS ok, "
            + $"{Day("occurred_at")} AS dy, COUNT(*), SUM({d.UsdFromText(d.Attribute("value_usd"))}) FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND kind = 'outcome' "
            + $"AND {d.Attribute("capability_kind")} <> '' GROUP BY w, ck, resource, resource_version, ok, dy";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            facts[Long(row[0])].Outcomes.Add(new OutcomeFact(Key(row, 1), row[4] == "1", Dec(row[7]), Long(row[5])) { Count = Long(row[6]) });
        }
    }

    /// <summary>
    /// Each capability's first use, versions and calls up to each window's end, to the hour, from
    /// the hourly roll-up (the events where the store keeps none); runs from the window's runs.
    /// </summary>
    private async Task ReadHistoryAsync(Windows windows, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var (source, time, calls) = d.HourlyRollup is { } rollup ? (rollup, "hour", d.ToInt64("events")) : (d.AnalyticsSource, "occurred_at", d.ToInt64("1"));
        var sql = $"SELECT {K} AS k, resource, resource_version, CASE WHEN {time} < {d.Time(parameters, windows.From)} THEN 1 ELSE 0 END AS e, "
            + $"MIN({d.EpochSeconds(time)}), SUM({calls}) FROM {source} WHERE tenant_id = {d.Bind(parameters, windows.TenantId)} "
            + $"AND {time} < {d.Time(parameters, windows.To)} AND {CapabilityKinds} GROUP BY k, resource, resource_version, e";
        var rows = await ReadAsync(sql, parameters, cancellationToken);
        foreach (var (window, early) in new[] { (facts[0], false), (facts[1], true) })
        {
            foreach (var name in rows.Where(r => !early || r[3] == "1").GroupBy(r => new CapabilityKey(r[0]!, r[1] ?? "", "")))
            {
                window.History[name.Key] = new CapabilityHistory(
                    DateTime.UnixEpoch.AddSeconds(name.Min(r => Long(r[4]))), name.Select(r => r[2] ?? "").Distinct(StringComparer.Ordinal).Count(),
                    window.RunsByName.GetValueOrDefault(name.Key), name.Sum(r => Long(r[5])));
            }
        }
    }

    private string Day(string column) => store.Dialect.IntDiv(store.Dialect.EpochSeconds(column), "86400");

    private async Task<IReadOnlyList<string?[]>> ReadAsync(string sql, List<object> parameters, CancellationToken cancellationToken) =>
        (await store.ReadAsync(new SqlStatement(sql, parameters), SqlReadLimits.Internal, cancellationToken)).Rows;

    private static string CapabilityKindOf(string? eventKind) => eventKind switch
    {
        "model_call" or "embedding" => CapabilityKey.Model,
        "tool_call" or "retrieval" => CapabilityKey.Tool,
        "workflow_step" => CapabilityKey.Workflow,
        _ => "",
    };

    private static CapabilityKey Key(string?[] row, int at) => new(row[at] ?? "", row[at + 1] ?? "", row[at + 2] ?? "");

    private static long Long(string? text) =>
        text is null ? 0 : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) ? whole : (long)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Double(string? text) => text is null ? 0 : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Whole USD and the 1e-18 USD past them, as USD.</summary>
    private static decimal Usd(string? whole, string? atto) => Long(whole) + (Long(atto) * 0.000000000000000001m);

    private static decimal Dec(string? text) =>
        text is null ? 0m : decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : 0m;

    /// <summary>
    /// The two windows, [PreviousFrom, From) = 1 and [From, To) = 0, as SQL: the events of both, the
    /// window of an event, and which whole hours the roll-up answers.
    /// </summary>
    private sealed record Windows(SqlDialect Dialect, string TenantId, DateTime PreviousFrom, DateTime From, DateTime To)
    {
        /// <summary>The tenant's events in either window.</summary>
        public string Events(List<object> parameters) =>
            $"tenant_id = {Dialect.Bind(parameters, TenantId)} AND {Dialect.TimeWindow(parameters, PreviousFrom, To)}";

        /// <summary>0 for an event of the current window, 1 for the previous one.</summary>
        public string Index(List<object> parameters) => $"CASE WHEN {Dialect.OccurredAtOrAfter(parameters, From)} THEN 0 ELSE 1 END";

        /// <summary>The roll-up's condition on its hours (whole hours inside either window) and the window of an hour; null when no whole hour fits.</summary>
        public (string Where, string Index)? RollupHours(List<object> parameters)
        {
            var ranges = Whole().ToList();
            if (ranges.Count == 0)
            {
                return null;
            }

            var where = string.Join(" OR ", ranges.Select(r => $"(hour >= {Dialect.Time(parameters, r.From)} AND hour < {Dialect.Time(parameters, r.To)})"));
            return (where, $"CASE WHEN hour >= {Dialect.Time(parameters, From)} THEN 0 ELSE 1 END");
        }

        /// <summary>The events the roll-up does not answer (all of them when <paramref name="rollup"/> is false); null when there are none.</summary>
        public string? EdgeEvents(List<object> parameters, bool rollup)
        {
            var whole = rollup ? Whole().ToList() : [];
            var edges = new List<(DateTime From, DateTime To)>();
            foreach (var (from, to) in new[] { (PreviousFrom, From), (From, To) })
            {
                var inside = whole.Where(h => h.From >= from && h.To <= to).ToList();
                if (inside.Count == 0)
                {
                    edges.Add((from, to));
                    continue;
                }

                edges.Add((from, inside[0].From));
                edges.Add((inside[0].To, to));
            }

            var parts = edges.Where(e => e.From < e.To).Select(e => "(" + Dialect.TimeWindow(parameters, e.From, e.To) + ")").ToList();
            return parts.Count == 0 ? null : string.Join(" OR ", parts);
        }

        /// <summary>Per window, the whole hours inside it.</summary>
        private IEnumerable<(DateTime From, DateTime To)> Whole()
        {
            foreach (var (from, to) in new[] { (PreviousFrom, From), (From, To) })
            {
                var first = new DateTime(from.Ticks - (from.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc);
                if (first < from)
                {
                    first = first.AddHours(1);
                }

                var last = new DateTime(to.Ticks - (to.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc);
                if (first < last)
                {
                    yield return (first, last);
                }
            }
        }
    }
}
