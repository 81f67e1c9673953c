using System.Globalization;
using Mesh.Telemetry.V1;

namespace Mesh.Bench;

/// <summary>
/// A month of one tenant's agent traffic over 200 capabilities, generated inside each engine by
/// one INSERT ... SELECT over a number sequence (no rows travel from the client). Every eighth
/// event starts a run of a workflow (20 of them): two steps, a model call (100 models), a tool
/// call (80 tools), an embedding, the access decisions on the model and the tool, and the run's
/// outcome (worth $1-5, one in ten failed). The same numbers give the same events on DuckDB and
/// ClickHouse (event ids aside), so both reports must agree.
/// </summary>
public static class VrioBenchData
{
    public const string Tenant = "bench";
    public const int Models = 100;
    public const int Tools = 80;
    public const int Workflows = 20;
    public static readonly DateTime MonthStart = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly TimeSpan Month = TimeSpan.FromDays(31);

    private const string Columns =
        "event_id, occurred_at, tenant_id, principal_id, agent_id, run_id, step_id, service, kind, resource, resource_version, device, "
        + "input_tokens, output_tokens, cached_tokens, queue_ms, compute_ms, total_ms, batch_size, status, cost_usd, price_version, "
        + "attributes, trace_id, reasoning_tokens, ttft_ms, priced_as";

    /// <summary>The INSERT that generates <paramref name="events"/> events into DuckDB's <c>usage_events</c>.</summary>
    public static string DuckDb(long events) => Insert(
        "usage_events", Columns, events,
        numbers: $"range({N(events)}) AS g(n)",
        intDiv: (a, b) => $"(({a}) // ({b}))",
        eventId: "CAST(printf('00000000-0000-4000-8000-%012x', n) AS UUID)",
        occurredAt: "(TIMESTAMP '2026-03-01 00:00:00' + to_seconds(sec + p))",
        extra: "");

    /// <summary>The INSERT that generates <paramref name="events"/> events into ClickHouse's <c>usage_events</c> of <paramref name="database"/>.</summary>
    public static string ClickHouse(string database, long events) => Insert(
        $"{database}.usage_events", Columns + ", occurred_us, ingested_at", events,
        numbers: $"(SELECT number AS n FROM numbers({N(events)}))",
        intDiv: (a, b) => $"intDiv({a}, {b})",
        eventId: "toUUID(UUIDNumToString(toFixedString(reinterpretAsString(toUInt64(n + 1)), 16)))",
        occurredAt: $"toDateTime({N(new DateTimeOffset(MonthStart).ToUnixTimeSeconds())} + sec + p, 'UTC')",
        extra: ", 0, now()");

    /// <summary>The metadata of the 200 capabilities: 20 categories, every provenance, most owned and budgeted.</summary>
    public static IEnumerable<Capability> Metadata()
    {
        var provenances = new[] { Provenance.PublicApi, Provenance.OpenModel, Provenance.Licensed, Provenance.FineTuned, Provenance.InHouse, Provenance.OwnData };
        var all = Enumerable.Range(0, Models).Select(i => ("model", $"model-{i}"))
            .Concat(Enumerable.Range(0, Tools).Select(i => ("tool", $"tool-{i}")))
            .Concat(Enumerable.Range(0, Workflows).Select(i => ("workflow", $"workflow-{i}")));
        foreach (var ((kind, name), i) in all.Select((c, i) => (c, i)))
        {
            yield return new Capability
            {
                Ref = new CapabilityRef { Kind = kind, Name = name, Version = "1" },
                Category = $"{kind}-category-{i % 20}",
                Provenance = provenances[i % provenances.Length],
                Owner = i % 7 == 0 ? "" : $"team-{i % 9}",
                BudgetUsd = i % 5 == 0 ? "" : "100",
                SloSuccessRate = 0.95,
                SloP95Ms = 900,
            };
        }
    }

    private static string Insert(string table, string columns, long events, string numbers, Func<string, string, string> intDiv, string eventId, string occurredAt, string extra)
    {
        var runs = Math.Max(1, events / 8);
        // Per run: r; its position p (0..7); its models, tool, workflow; its second of the month.
        var inner = $"SELECT n, {intDiv("n", "8")} AS r, n % 8 AS p FROM {numbers}";
        var middle = $"SELECT n, r, p, (r * 37) % {Models} AS m, (r * 53 + 11) % {Models} AS e, (r * 29) % {Tools} AS t, r % {Workflows} AS w, "
            + $"{intDiv($"r * {N((long)Month.TotalSeconds)}", N(runs))} AS sec FROM ({inner}) AS a";
        // Costs in nano-USD: tokens and compute at a per-model rate, a per-call tool price, a fixed step price.
        var nanos = "CASE WHEN p = 1 THEN (500 + r % 1000) * (1 + m % 10) * 100 + (100 + r % 300) * (1 + m % 10) * 400 + (200 + r % 500) * 100 "
            + "WHEN p = 4 THEN (50 + r % 200) * 20 + (10 + r % 30) * 100 WHEN p = 2 THEN (1 + t % 5) * 100000 WHEN p = 0 THEN 10000 WHEN p = 3 THEN 10000 ELSE 0 END";
        var resource = "CASE WHEN p = 0 THEN concat('workflow-', CAST(w AS String)) WHEN p = 3 THEN concat('workflow-', CAST(w AS String)) "
            + "WHEN p = 1 THEN concat('model-', CAST(m AS String)) WHEN p = 4 THEN concat('model-', CAST(e AS String)) WHEN p = 2 THEN concat('tool-', CAST(t AS String)) "
            + "WHEN p = 5 THEN concat('model:model-', CAST(m AS String)) WHEN p = 6 THEN concat('tool:tool-', CAST(t AS String)) ELSE '' END";
        var compute = "CASE WHEN p = 1 THEN 200 + r % 500 WHEN p = 4 THEN 10 + r % 30 WHEN p = 2 THEN 50 + r % 100 ELSE 0 END";
        var select = string.Join(", ",
            eventId,
            occurredAt,
            $"'{Tenant}'",
            "concat('user-', CAST(r % 40 AS String))",
            "'agent'",
            "CASE WHEN p IN (5, 6) THEN '' ELSE concat('run-', CAST(r AS String)) END",
            "''",
            "CASE WHEN p = 0 THEN 'agents' WHEN p = 3 THEN 'agents' WHEN p = 1 THEN 'inference' WHEN p = 4 THEN 'inference' WHEN p = 2 THEN 'tools' WHEN p = 7 THEN 'telemetry' ELSE 'identity' END",
            "CASE WHEN p = 0 THEN 'workflow_step' WHEN p = 3 THEN 'workflow_step' WHEN p = 1 THEN 'model_call' WHEN p = 4 THEN 'embedding' WHEN p = 2 THEN 'tool_call' WHEN p = 7 THEN 'outcome' ELSE 'audit' END",
            resource,
            "CASE WHEN p IN (5, 6, 7) THEN '' ELSE '1' END",
            "CASE WHEN p IN (1, 4) THEN 'cpu' ELSE '' END",
            "CASE WHEN p = 1 THEN 500 + r % 1000 WHEN p = 4 THEN 50 + r % 200 ELSE 0 END",
            "CASE WHEN p = 1 THEN 100 + r % 300 ELSE 0 END",
            "0",
            "r % 20",
            compute,
            $"{compute} + r % 20 + 5",
            "1",
            "CASE WHEN p IN (5, 6) AND r % 50 = 0 THEN 'denied' WHEN p = 7 AND r % 10 = 0 THEN 'error' WHEN p = 1 AND r % 97 = 0 THEN 'error' WHEN p = 2 AND r % 89 = 0 THEN 'error' ELSE 'ok' END",
            $"CAST({nanos} AS Decimal(18, 9)) / 1000000000",
            "'bench'",
            "CASE WHEN p = 7 THEN concat('{\"outcome_id\":\"o-', CAST(r AS String), '\",\"value_usd\":\"', CAST(1 + r % 5 AS String), '\"}') ELSE '{}' END",
            "concat('trace-', CAST(r AS String))",
            "0",
            "0",
            resource);
        return $"INSERT INTO {table} ({columns}) SELECT {select}{extra} FROM ({middle}) AS b";
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
