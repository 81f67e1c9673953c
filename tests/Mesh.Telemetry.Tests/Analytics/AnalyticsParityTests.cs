using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Analytics.Ledger;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>
/// Every analytics query (metrics with and without the roll-ups, percentiles, the ledger,
/// cost replay, tenant SQL) answers the same from DuckDB and ClickHouse, to the last digit.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class AnalyticsParityTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly DateTime Start = AnalyticsData.Start;
    private static readonly Caller Admin = new("admin", "system", PrincipalKind.User, IsAdmin: true);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task EveryQuery_SameEvents_DuckDbAndClickHouseAnswerIdentically()
    {
        var records = AnalyticsData.Generate(6_000, seed: 11);
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        foreach (var batch in records.Chunk(3_000))
        {
            await duckDb.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            await clickHouseStore.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        var stores = new IUsageStore[] { duckDb, clickHouseStore };
        foreach (var store in stores)
        {
            // The days are past: the daily roll-ups answer their whole days, and must agree with the events.
            await new RollupCompactor(store, TimeProvider.System).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        var answers = new List<Dictionary<string, string>>();
        foreach (var store in stores)
        {
            var answer = new Dictionary<string, string>();
            var engine = new MetricsEngine(store);
            foreach (var (name, spec) in MetricQueries())
            {
                try
                {
                    answer[name] = Text(await engine.RunAsync(spec, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
                }
                catch (Exception ex)
                {
                    var (statement, _) = new MetricsSql(store.Dialect).Sums(spec);
                    var rows = await store.ReadAsync(statement, SqlReadLimits.Internal, CancellationToken.None);
                    throw new InvalidOperationException($"{store.Dialect.Name} {name}: {ex.Message} {statement.Text} first row {string.Join(",", rows.Rows.Count > 0 ? rows.Rows[0] : [])}", ex);
                }

                if (store == clickHouseStore)
                {
                    answer[name + " (no roll-up)"] = Text(await engine.RunAsync(spec with { UseRollup = false }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));
                }
            }

            var ledger = new LedgerReader(store);
            foreach (var level in new[] { "run", "workflow", "tool" })
            {
                var report = await ledger.ReadAsync(new LedgerSpec { From = Start, To = Start.AddDays(6), Level = level, TenantId = "acme" }, CancellationToken.None);
                answer[$"ledger {level}"] = report.Rows.ToString();
            }

            var prices = await AnalyticsData.PricesAsync(store);
            var replayer = new CostReplayer(store, prices, new FixedTimeProvider(new DateTimeOffset(Start.AddDays(6))));
            foreach (var (name, request) in ReplayQueries())
            {
                answer[name] = (await replayer.ReplayAsync(request, Admin, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60))).ToString();
            }

            var sql = new TenantSql(store);
            foreach (var (name, query) in SqlQueries())
            {
                var result = await sql.RunAsync(new SqlQuery { Sql = query }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
                answer[name] = string.Join(" | ", result.Rows.Select(r => string.Join(",", r.Values.Select(Number))));
            }

            answers.Add(answer);
        }

        var differences = answers[0].Keys
            .Select(name => (name, duck: answers[0][name], ch: answers[1][name]))
            .Concat(answers[1].Keys.Where(k => k.EndsWith(" (no roll-up)", StringComparison.Ordinal)).Select(k => (name: k, duck: answers[0][k[..^" (no roll-up)".Length]], ch: answers[1][k])))
            .Where(a => a.duck != a.ch)
            .Select(a => $"{a.name}:\n  duckdb:     {a.duck[..Math.Min(a.duck.Length, 1500)]}\n  clickhouse: {a.ch[..Math.Min(a.ch.Length, 1500)]}")
            .ToList();
        Assert.True(differences.Count == 0, string.Join('\n', differences));
        Assert.Contains("tiny-gpt", answers[0]["by resource, version and device"], StringComparison.Ordinal);
        Assert.Contains("run-", answers[0]["ledger run"], StringComparison.Ordinal);
        Assert.Contains("scenarioUsd", answers[0]["replay: under base"], StringComparison.Ordinal);
        Assert.Contains("tiny-gpt", answers[0]["sql: cost per resource"], StringComparison.Ordinal);
        var (rollup, _) = new MetricsSql(clickHouseStore.Dialect).Sums(MetricQueries().First(q => q.Name == "hourly by kind").Spec);
        Assert.Contains(ClickHouseSchema.HourlyTable, rollup.Text, StringComparison.Ordinal);
    }

    private static IEnumerable<(string Name, MetricsSpec Spec)> MetricQueries()
    {
        var all = new MetricsSpec { From = Start.AddHours(1).AddMinutes(17).AddTicks(1230), To = Start.AddDays(4).AddMinutes(43), Metrics = [.. MetricsEngine.SumMetrics], Limit = 10_000 };
        var percentiles = LatencyMeasure.All.SelectMany(m => LatencyMeasure.Quantiles.Keys.Select(q => $"{q}_{m.Name}")).ToList();
        yield return ("total", all);
        yield return ("by tenant and resource", all with { GroupBy = ["tenant", "resource"] });
        yield return ("hourly by kind", all with { Bucket = TimeBucket.Hour, GroupBy = ["kind"] });
        yield return ("daily for acme by status", all with { Bucket = TimeBucket.Day, TenantId = "acme", GroupBy = ["status"] });
        yield return ("weekly by service", all with { Bucket = TimeBucket.Week, GroupBy = ["service"] });
        yield return ("monthly by device", all with { Bucket = TimeBucket.Month, GroupBy = ["device"] });
        yield return ("minutes of one hour", all with { From = Start.AddHours(30), To = Start.AddHours(31), Bucket = TimeBucket.Minute, GroupBy = ["tenant"] });
        yield return ("by resource, version and device", all with { GroupBy = ["resource", "resource_version", "device"], Metrics = [.. percentiles, "events", "tokens_per_s"] });
        yield return ("percentiles daily by model for o'brien", all with { Bucket = TimeBucket.Day, GroupBy = ["resource"], TenantId = "o'brien", Filters = [("kind", "model_call")], Metrics = percentiles });
        yield return ("by attribute, filtered by another", all with { GroupBy = ["attr.priority", "agent"], Filters = [("attr.note", "ünï €")] });
        yield return ("by principal and run, limit 5", all with { GroupBy = ["principal", "run"], Limit = 5 });
        yield return ("audit included", all with { GroupBy = ["kind"], IncludeAudit = true });
        yield return ("empty window", all with { From = Start.AddDays(-3), To = Start.AddDays(-2), GroupBy = ["tenant"] });
    }

    private static IEnumerable<(string Name, ReplayRequest Request)> ReplayQueries()
    {
        var window = new ReplayRequest { From = Timestamp.FromDateTime(Start), To = Timestamp.FromDateTime(Start.AddDays(5)), GroupBy = { "tenant", "workflow" } };
        yield return ("replay: lists in force", window);
        yield return ("replay: under base", new ReplayRequest(window) { PriceListVersion = "base" });
        yield return ("replay: substituted", new ReplayRequest(window) { Substitutions = { new ModelSubstitution { From = "all-MiniLM-L6-v2", To = "tiny-gpt" } }, GroupBy = { "resource", "device" } });
    }

    private static IEnumerable<(string Name, string Sql)> SqlQueries()
    {
        yield return ("sql: cost per resource", "SELECT resource, count(*) AS n, sum(input_tokens) AS i, sum(cost_usd) AS c FROM usage_events GROUP BY resource ORDER BY resource");
        yield return ("sql: runs", "SELECT run_id, events, steps, tool_calls, cost_usd FROM runs ORDER BY cost_usd DESC, run_id LIMIT 5");
        yield return ("sql: subquery and union", "SELECT kind, n FROM (SELECT kind, count(*) AS n FROM usage_events GROUP BY kind UNION ALL SELECT 'lists' AS kind, count(*) AS n FROM prices) t ORDER BY kind");
        yield return ("sql: join", "SELECT r.run_id, count(*) FROM runs r JOIN usage_events e ON e.run_id = r.run_id WHERE e.kind = 'tool_call' GROUP BY r.run_id ORDER BY r.run_id LIMIT 3;");
    }

    // Decimals may differ in trailing zeros between engines.
    private static string Number(string value) =>
        decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? (number / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture) : value;

    private static string Text(MetricsResult result) => string.Join(" | ", result.Rows.Select(r =>
        $"{r.Bucket} [{string.Join(",", r.Keys)}] {r.CostUsd:0.000000000} {string.Join(" ", r.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}"));
}
