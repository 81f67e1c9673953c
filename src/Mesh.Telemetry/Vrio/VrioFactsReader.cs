using System.Globalization;
using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Vrio;

/// <summary>
/// Reads one tenant's window of usage into <see cref="VrioFacts"/> with a handful of grouped
/// queries in the SQL both engines speak, so DuckDB and ClickHouse give the same facts.
/// </summary>
public sealed class VrioFactsReader(IUsageStore store)
{
    private const string CapabilityKinds = "kind IN ('model_call', 'embedding', 'tool_call', 'retrieval', 'workflow_step')";
    private const string K = CapabilityKey.KindOfEvent;

    public async Task<VrioFacts> ReadAsync(string tenantId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var facts = new VrioFacts { From = from, To = to };
        var d = store.Dialect;
        var day = d.IntDiv(d.EpochSeconds("occurred_at"), "86400");
        var cost = d.ToWideDecimal("cost_usd");

        foreach (var row in await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT {K}, resource, resource_version, COUNT(*), SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END), SUM({cost}), COUNT(DISTINCT principal_id), "
            + $"SUM(CASE WHEN trace_id <> '' THEN 1 ELSE 0 END), SUM(CASE WHEN price_version <> '' THEN 1 ELSE 0 END), {d.Quantile("total_ms", 0.95)}, SUM(compute_ms), COUNT(DISTINCT {day}) "
            + $"FROM {d.AnalyticsSource} WHERE {w} AND {CapabilityKinds} GROUP BY {K}, resource, resource_version", cancellationToken))
        {
            var key = Key(row, 0);
            facts.Usage[key] = new CapabilityUsage(key)
            {
                Calls = Long(row[3]),
                Ok = Long(row[4]),
                CostUsd = Dec(row[5]),
                Principals = Long(row[6]),
                Traced = Long(row[7]),
                Priced = Long(row[8]),
                P95Ms = Double(row[9]),
                ComputeSeconds = Double(row[10]) / 1000,
                Days = (int)Long(row[11]),
            };
        }

        foreach (var row in await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT {K}, resource, resource_version, {day}, SUM({cost}) FROM {d.AnalyticsSource} WHERE {w} AND {CapabilityKinds} GROUP BY {K}, resource, resource_version, {day}", cancellationToken))
        {
            var key = Key(row, 0);
            if (!facts.DailyCost.TryGetValue(key, out var days))
            {
                facts.DailyCost[key] = days = [];
            }

            days[Long(row[3])] = Dec(row[4]);
        }

        foreach (var row in await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT run_id, {K}, resource, resource_version, MIN({day}), SUM({cost}) FROM {d.AnalyticsSource} WHERE {w} AND run_id <> '' AND {CapabilityKinds} GROUP BY run_id, {K}, resource, resource_version", cancellationToken))
        {
            var run = row[0]!;
            var key = Key(row, 1);
            var runCost = Dec(row[5]);
            if (!facts.Runs.TryGetValue(run, out var parts))
            {
                facts.Runs[run] = parts = [];
            }

            parts[key] = runCost;
            var total = facts.RunTotals.GetValueOrDefault(run, (Long(row[4]), 0m));
            facts.RunTotals[run] = (Math.Min(total.Item1, Long(row[4])), total.Item2 + runCost);
        }

        foreach (var (_, parts) in facts.Runs)
        {
            foreach (var workflow in parts.Keys.Where(k => k.Kind == CapabilityKey.Workflow))
            {
                foreach (var used in parts.Keys.Where(k => k.Kind != CapabilityKey.Workflow))
                {
                    if (!facts.DependentWorkflows.TryGetValue(used, out var set))
                    {
                        facts.DependentWorkflows[used] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(workflow.Name);
                }
            }
        }

        foreach (var row in await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT run_id, {d.Attribute("capability_kind")}, resource, resource_version, status, {d.Attribute("value_usd")}, {day} FROM {d.AnalyticsSource} WHERE {w} AND kind = 'outcome'", cancellationToken))
        {
            var direct = row[1] is { Length: > 0 } kind ? new CapabilityKey(kind, row[2] ?? "", row[3] ?? "") : (CapabilityKey?)null;
            facts.Outcomes.Add(new OutcomeFact(row[0] ?? "", direct, row[4] == UsageNames.Ok, row[5] is { Length: > 0 } v ? Dec(v) : 0m, Long(row[6])));
        }

        foreach (var row in await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT resource, SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'denied' THEN 1 ELSE 0 END) FROM {d.AnalyticsSource} WHERE {w} AND kind = 'audit' GROUP BY resource", cancellationToken))
        {
            facts.Audits[row[0] ?? ""] = (Long(row[1]), Long(row[2]));
        }

        foreach (var row in await ReadAsync(DateTime.UnixEpoch, to, tenantId, (w, _) =>
            $"SELECT {K}, resource, MIN({d.EpochSeconds("occurred_at")}), COUNT(DISTINCT resource_version), COUNT(DISTINCT run_id), MAX(CASE WHEN run_id = '' THEN 1 ELSE 0 END), COUNT(*) "
            + $"FROM {d.AnalyticsSource} WHERE {w} AND {CapabilityKinds} GROUP BY {K}, resource", cancellationToken))
        {
            facts.History[new CapabilityKey(row[0]!, row[1] ?? "", "")] = new CapabilityHistory(
                DateTime.UnixEpoch.AddSeconds(Long(row[2])), Long(row[3]), Long(row[4]) - Long(row[5]), Long(row[6]));
        }

        return facts;
    }

    /// <summary>The capabilities the tenant's usage used in [from, to).</summary>
    public async Task<IReadOnlyList<CapabilityKey>> UsedAsync(string tenantId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        [.. (await ReadAsync(from, to, tenantId, (w, _) =>
            $"SELECT DISTINCT {K}, resource, resource_version FROM {store.Dialect.AnalyticsSource} WHERE {w} AND {CapabilityKinds}", cancellationToken)).Select(r => Key(r, 0))];

    private async Task<IReadOnlyList<string?[]>> ReadAsync(DateTime from, DateTime to, string tenantId, Func<string, List<object>, string> sql, CancellationToken cancellationToken)
    {
        var parameters = new List<object>();
        var where = $"tenant_id = {store.Dialect.Bind(parameters, tenantId)} AND {store.Dialect.TimeWindow(parameters, from, to)}";
        var rows = await store.ReadAsync(new SqlStatement(sql(where, parameters), parameters), SqlReadLimits.Internal, cancellationToken);
        return rows.Rows;
    }

    private static CapabilityKey Key(string?[] row, int at) => new(row[at] ?? "", row[at + 1] ?? "", row[at + 2] ?? "");

    private static long Long(string? text) => text is null ? 0 : (long)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double Double(string? text) => text is null ? 0 : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static decimal Dec(string? text) =>
        text is null ? 0m : decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : 0m;
}
