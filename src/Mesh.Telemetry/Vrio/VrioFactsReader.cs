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
    private const string CapabilityKinds = VrioRunSql.CapabilityKinds;
    private const string K = CapabilityKey.KindOfEvent;

    /// <summary>Whether run-level facts of whole, settled days come from the daily VRIO roll-up (<see cref="VrioRollup"/>); off, every fact is read from the events.</summary>
    public bool UseRollup { get; init; } = true;

    /// <summary>Told how long each part of a read took (for benchmarks).</summary>
    public Action<string, TimeSpan>? Timings { get; init; }

    /// <summary>The facts of [<paramref name="from"/>, <paramref name="to"/>) and of [<paramref name="previousFrom"/>, <paramref name="from"/>).</summary>
    public async Task<(VrioFacts Current, VrioFacts Previous)> ReadAsync(string tenantId, DateTime previousFrom, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(previousFrom, from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        VrioFacts[] facts = [new VrioFacts { From = from, To = to }, new VrioFacts { From = previousFrom, To = from }];
        var windows = new Windows(store.Dialect, tenantId, previousFrom, from, to);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Done(string part)
        {
            Timings?.Invoke(part, watch.Elapsed);
            watch.Restart();
        }

        var plan = UseRollup ? await VrioRollupPlan.ReadAsync(store, tenantId, previousFrom, from, to, cancellationToken) : null;
        Done("plan");
        await ReadUsageAsync(windows, plan, facts, cancellationToken);
        Done("usage");
        await ReadDailyAsync(windows, facts, cancellationToken);
        Done("daily");
        await ReadAttributedAsync(windows, plan, facts, cancellationToken);
        Done("attribution");
        await ReadWorkflowRunCostAsync(windows, plan, facts, cancellationToken);
        Done("workflow_cost");
        await ReadRunLinksAsync(windows, plan, facts, cancellationToken);
        Done("run_links");
        await ReadOutcomesAsync(windows, plan, facts, cancellationToken);
        Done("outcomes");
        await ReadHistoryAsync(windows, facts, cancellationToken);
        Done("history");
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

    /// <summary>
    /// Calls, successes, cost, traced and priced calls, device time and days of each capability,
    /// and its principals (rolled-up days from the roll-up, the rest from the events); its p95
    /// latency, an exact quantile, from the events of both windows.
    /// </summary>
    private async Task ReadUsageAsync(Windows windows, VrioRollupPlan? plan, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var usageRows = BothBranches(windows, plan, parameters, runs: false, "usage",
            raw => $"SELECT {d.ToInt64("w")} AS xw, k AS xk, resource AS xr, resource_version AS xv, {d.ToInt64("c")} AS xc, {d.ToInt64("ok")} AS xo, {d.ToWideDecimal("cost")} AS xu, "
                + $"{d.ToInt64("traced")} AS xt, {d.ToInt64("priced")} AS xp, {d.ToDouble("compute")} AS xm FROM ({VrioRunSql.Usage(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            $"kind AS xk, resource AS xr, resource_version AS xv, {d.ToInt64("calls")} AS xc, {d.ToInt64("ok_calls")} AS xo, "
                + $"{d.ToWideDecimal("usd")} AS xu, {d.ToInt64("traced")} AS xt, {d.ToInt64("priced")} AS xp, {d.ToDouble("compute_ms")} AS xm");

        // One row per day and capability in either branch, so the rows counted are its days with calls.
        var sums = $"SELECT xw, xk, xr, xv, SUM(xc), SUM(xo), SUM(xu), SUM(xt), SUM(xp), SUM(xm), COUNT(*) FROM {usageRows} GROUP BY xw, xk, xr, xv";
        var usage = usageRows is null ? [] : await ReadAsync(sums, parameters, cancellationToken);

        parameters.Clear();
        var principalRows = BothBranches(windows, plan, parameters, runs: false, "principal",
            raw => $"SELECT {d.ToInt64("w")} AS xw, k AS xk, resource AS xr, resource_version AS xv, principal_id AS xn "
                + $"FROM ({VrioRunSql.Principals(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            "kind AS xk, resource AS xr, resource_version AS xv, principal AS xn");

        var principals = (principalRows is null ? [] : await ReadAsync($"SELECT xw, xk, xr, xv, COUNT(DISTINCT xn) FROM {principalRows} GROUP BY xw, xk, xr, xv", parameters, cancellationToken))
            .ToDictionary(r => (Long(r[0]), Key(r, 1)), r => Long(r[4]));

        parameters.Clear();
        var p95 = (await ReadAsync(
            $"SELECT {windows.Index(parameters)} AS w, {K} AS k, resource, resource_version, {d.Quantile("total_ms", 0.95)} "
            + $"FROM {d.AnalyticsSource} WHERE {windows.Events(parameters)} AND {CapabilityKinds} GROUP BY w, k, resource, resource_version",
            parameters,
            cancellationToken)).ToDictionary(r => (Long(r[0]), Key(r, 1)), r => Double(r[4]));

        foreach (var row in usage)
        {
            var key = Key(row, 1);
            var at = (Long(row[0]), key);
            facts[at.Item1].Usage[key] = new CapabilityUsage(key)
            {
                Calls = Long(row[4]),
                Ok = Long(row[5]),
                CostUsd = Dec(row[6]),
                Principals = principals.GetValueOrDefault(at),
                Traced = Long(row[7]),
                Priced = Long(row[8]),
                P95Ms = p95.GetValueOrDefault(at),
                ComputeSeconds = Double(row[9]) / 1000,
                Days = (int)Long(row[10]),
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
    /// and outcome day (<see cref="VrioRunSql.Attributed"/>): only those sums leave the store,
    /// never a row per run; whole days of single-day runs come already attributed from the
    /// daily roll-up. Each share is exact to 1e-18 USD, summed as a 128-bit integer, so every
    /// engine gives the same digits.
    /// </summary>
    private async Task ReadAttributedAsync(Windows windows, VrioRollupPlan? plan, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var valueRows = BothBranches(windows, plan, parameters, runs: true, "value",
            raw => $"SELECT {d.ToInt64("w")} AS xw, k AS xk, resource AS xr, resource_version AS xv, {d.ToInt64("od")} AS xd, {d.ToInt64("oc")} AS xoc, "
                + $"{d.ToInt64("okc")} AS xokc, {d.ToExactInteger("sv")} AS xsv, {d.ToExactInteger("se")} AS xse "
                + $"FROM ({VrioRunSql.Attributed(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            $"kind AS xk, resource AS xr, resource_version AS xv, {d.ToInt64(VrioRunSql.Day(d, "day"))} AS xd, "
                + $"{d.ToInt64("outcomes")} AS xoc, {d.ToInt64("ok_outcomes")} AS xokc, {d.ToExactInteger("value_cost")} AS xsv, {d.ToExactInteger("value_equal")} AS xse");

        if (valueRows is null)
        {
            return;
        }

        // The sums leave as whole USD and the 1e-18 USD past them, each a 64-bit integer (18.16 garbles the text of a large Decimal128).
        var e18 = d.ToExactInteger("1000000000000000000");
        string Split(string sum) => $"{d.ToInt64(d.ExactDiv(sum, e18))}, {d.ToInt64($"{sum} - {d.ExactDiv(sum, e18)} * {e18}")}";
        var sums = $"SELECT xw, xk, xr, xv, xd, SUM(xoc) AS toc, SUM(xokc) AS tokc, SUM(xsv) AS tsv, SUM(xse) AS tse FROM {valueRows} "
            + "GROUP BY xw, xk, xr, xv, xd";
        var sql = $"SELECT xw, xk, xr, xv, xd, toc, tokc, {Split("tsv")}, {Split("tse")} FROM ({sums}) AS s";
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
    private async Task ReadWorkflowRunCostAsync(Windows windows, VrioRollupPlan? plan, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var costRows = BothBranches(windows, plan, parameters, runs: true, "cost",
            raw => $"SELECT {d.ToInt64("w")} AS xw, resource AS xr, resource_version AS xv, {d.ToInt64("dy")} AS xd, {d.ToWideDecimal("cost")} AS xc "
                + $"FROM ({VrioRunSql.WorkflowRunCost(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            $"resource AS xr, resource_version AS xv, {d.ToInt64(VrioRunSql.Day(d, "day"))} AS xd, {d.ToWideDecimal("usd")} AS xc");

        if (costRows is null)
        {
            return;
        }

        var sql = $"SELECT xw, xr, xv, xd, SUM(xc) FROM {costRows} GROUP BY xw, xr, xv, xd";
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
    private async Task ReadRunLinksAsync(Windows windows, VrioRollupPlan? plan, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var runRows = BothBranches(windows, plan, parameters, runs: true, "runs",
            raw => $"SELECT {d.ToInt64("w")} AS xw, k AS xk, resource AS xr, {d.ToInt64("runs")} AS xn "
                + $"FROM ({VrioRunSql.RunsByName(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            $"kind AS xk, resource AS xr, {d.ToInt64("runs")} AS xn");

        if (runRows is not null)
        {
            // A run is either rolled up (all of it on one day) or read from the events, never both: the counts add up.
            var sql = $"SELECT xw, xk, xr, SUM(xn) FROM {runRows} GROUP BY xw, xk, xr";
            foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
            {
                facts[Long(row[0])].RunsByName[new CapabilityKey(row[1] ?? "", row[2] ?? "", "")] = Long(row[3]);
            }
        }

        parameters.Clear();
        var linkRows = BothBranches(windows, plan, parameters, runs: true, "uses",
            raw => $"SELECT {d.ToInt64("w")} AS xw, k AS xk, resource AS xr, resource_version AS xv, workflow AS xf "
                + $"FROM ({VrioRunSql.DependentWorkflows(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            "kind AS xk, resource AS xr, resource_version AS xv, workflow AS xf");

        if (linkRows is null)
        {
            return;
        }

        foreach (var row in await ReadAsync($"SELECT DISTINCT xw, xk, xr, xv, xf FROM {linkRows}", parameters, cancellationToken))
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
    private async Task ReadOutcomesAsync(Windows windows, VrioRollupPlan? plan, VrioFacts[] facts, CancellationToken cancellationToken)
    {
        var d = store.Dialect;
        var parameters = new List<object>();
        var outcomeRows = BothBranches(windows, plan, parameters, runs: false, "outcome",
            raw => $"SELECT {d.ToInt64("w")} AS xw, ck AS xk, resource AS xr, resource_version AS xv, {d.ToInt64("ok")} AS xo, {d.ToInt64("dy")} AS xd, "
                + $"{d.ToInt64("c")} AS xc, {d.ToWideDecimal("v")} AS xu FROM ({VrioRunSql.NamedOutcomes(d, raw.Source, windows.Index(parameters), raw.Filter)}) AS a",
            $"kind AS xk, resource AS xr, resource_version AS xv, {d.ToInt64("CASE WHEN ok_outcomes > 0 THEN 1 ELSE 0 END")} AS xo, "
                + $"{d.ToInt64(VrioRunSql.Day(d, "day"))} AS xd, {d.ToInt64("outcomes")} AS xc, {d.ToWideDecimal("usd")} AS xu");

        if (outcomeRows is null)
        {
            return;
        }

        var sql = $"SELECT xw, xk, xr, xv, xo, xd, SUM(xc), SUM(xu) FROM {outcomeRows} GROUP BY xw, xk, xr, xv, xo, xd";
        foreach (var row in await ReadAsync(sql, parameters, cancellationToken))
        {
            facts[Long(row[0])].Outcomes.Add(new OutcomeFact(Key(row, 1), row[4] == "1", Dec(row[7]), Long(row[5])) { Count = Long(row[6]) });
        }
    }

    /// <summary>
    /// One source of rows (<c>(...) AS u</c>) from both places a fact lives: the events the roll-up
    /// does not answer (<see cref="RawEvents"/>, shaped by <paramref name="fromEvents"/>) and the
    /// roll-up's <paramref name="rolledTable"/> in <paramref name="rolledColumns"/>. Null when the
    /// windows have neither. The parameters are bound in that order, events first.
    /// </summary>
    private string? BothBranches(
        Windows windows,
        VrioRollupPlan? plan,
        List<object> parameters,
        bool runs,
        string rolledTable,
        Func<(string Source, string Filter), string> fromEvents,
        string rolledColumns)
    {
        var branches = new List<string>();
        if (RawEvents(windows, plan, parameters, runs) is { } raw)
        {
            branches.Add(fromEvents(raw));
        }

        if (plan?.Rolled(windows, parameters, rolledTable, rolledColumns) is { } rolled)
        {
            branches.Add(rolled);
        }

        return branches.Count == 0 ? null : $"({string.Join(" UNION ALL ", branches)}) AS u";
    }

    /// <summary>
    /// The tenant's events the roll-up does not answer, as a source and a condition on it: all of
    /// both windows without a roll-up; with one, the parts of the windows outside its days and, for
    /// run-level facts (<paramref name="runs"/>), the events on those days of the runs it left out
    /// as split over days (kept apart by the compactor). Null when the roll-up answers everything.
    /// </summary>
    private (string Source, string Filter)? RawEvents(Windows windows, VrioRollupPlan? plan, List<object> parameters, bool runs)
    {
        var d = store.Dialect;
        if (plan is null)
        {
            return (d.AnalyticsSource, windows.Events(parameters));
        }

        // DuckDB's parameters are positional: bind nothing the statement will not use.
        var ranges = plan.EventRanges(windows);
        var split = runs && plan.HasSplitRuns;
        if (ranges.Count == 0 && !split)
        {
            return null;
        }

        // One branch per range: a plain range lets each engine skip the rest of the table (DuckDB does not for an OR of ranges).
        var tenant = $"tenant_id = {d.Bind(parameters, windows.TenantId)}";
        var columns = VrioRollup.EventColumns(d) + (split ? "" : ", principal_id, trace_id, price_version, compute_ms");
        var branches = ranges.Select(r => $"SELECT {columns} FROM {d.AnalyticsSource} WHERE {tenant} AND {d.TimeWindow(parameters, r.From, r.To)}").ToList();
        if (split)
        {
            branches.Add(plan.SplitEvents(windows, parameters));
        }

        return ($"({string.Join(" UNION ALL ", branches)}) AS ev", tenant);
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

    private string Day(string column) => VrioRunSql.Day(store.Dialect, column);

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
    internal sealed record Windows(SqlDialect Dialect, string TenantId, DateTime PreviousFrom, DateTime From, DateTime To)
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
