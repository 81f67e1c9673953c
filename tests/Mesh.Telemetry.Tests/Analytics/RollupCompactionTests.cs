using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>
/// The daily roll-ups the compactor builds off the insert path: percentiles and replays that read
/// them answer exactly what the event scan answers, on DuckDB and ClickHouse alike, after events
/// arrive for new days, late for compacted days, and again (duplicates), before and after the
/// next compaction.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class RollupCompactionTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly DateTime Start = AnalyticsData.Start;
    private static readonly Caller Admin = new("admin", "system", PrincipalKind.User, IsAdmin: true);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task Compact_LateNewAndRepeatedEvents_RollupAnswersEqualTheEventScanOnBothStores()
    {
        // Noon of the sixth day: the five days before it are closed, the sixth is still open.
        var clock = new Clock(new DateTimeOffset(Start.AddDays(5.5)));
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, clock);
        var stores = new IUsageStore[] { duckDb, clickHouseStore };
        var prices = new List<PriceBookProvider>();
        foreach (var store in stores)
        {
            prices.Add(await AnalyticsData.PricesAsync(store));
        }

        var first = AnalyticsData.Generate(3_000, seed: 5, Start, TimeSpan.FromDays(5));
        await InsertAsync(stores, first);
        // Copies a racing writer could leave in ClickHouse: the compactor must count each event once.
        await clickHouseStore.ExecuteAllAsync(
            [new SqlStatement($"INSERT INTO {database}.usage_events SELECT * FROM {database}.usage_events WHERE resource = 'calculator' AND toStartOfDay(occurred_at) = toDateTime('{Start.AddDays(3):yyyy-MM-dd HH:mm:ss}', 'UTC') LIMIT 40", [])],
            CancellationToken.None).WaitAsync(Timeout);

        clock.Advance(TimeSpan.FromSeconds(10));
        foreach (var store in stores)
        {
            var done = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(5, done.Days);
        }

        await AssertSameAnswersAsync(stores, prices, "after the first compaction");

        // Late events for a compacted day, events of the open day, and events sent again.
        clock.Advance(TimeSpan.FromSeconds(10));
        var late = AnalyticsData.Generate(300, seed: 6, Start.AddDays(1), TimeSpan.FromDays(1));
        var next = AnalyticsData.Generate(300, seed: 7, Start.AddDays(5), TimeSpan.FromDays(1));
        await InsertAsync(stores, [.. late, .. next, .. first.Take(200)]);
        await AssertSameAnswersAsync(stores, prices, "with events past the watermark");

        clock.Advance(TimeSpan.FromSeconds(10));
        foreach (var store in stores)
        {
            // The late day, and the closed days of the runs the new events belong to (the VRIO roll-up's single-day runs
            // may have become split: here every closed day, as the data's 40 run ids recur daily); the open day stays out.
            var done = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(5, done.Days);
            var again = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(0, again.Days);
        }

        await AssertSameAnswersAsync(stores, prices, "after the second compaction");

        clock.Advance(TimeSpan.FromDays(1));
        foreach (var store in stores)
        {
            // Past midnight the sixth day closes and is rolled up.
            var done = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(1, done.Days);
        }

        await AssertSameAnswersAsync(stores, prices, "after the sixth day closed");
    }

    [Fact]
    public async Task Compact_StoreWithEventsBeforeRollups_FillsEveryDay()
    {
        var records = AnalyticsData.Generate(1_000, seed: 8, Start, TimeSpan.FromDays(3));
        using (var before = new DuckDbUsageStore(_duckDbFile.Path))
        {
            await before.InsertAsync(records, CancellationToken.None).WaitAsync(Timeout);
            // As a file made before the roll-ups: no ingest marks, no compaction.
            await before.ExecuteAsync(new SqlStatement("UPDATE usage_events SET ingest_seq = 0", []), CancellationToken.None).WaitAsync(Timeout);
        }

        using var store = new DuckDbUsageStore(_duckDbFile.Path);
        var done = await new RollupCompactor(store, TimeProvider.System).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
        Assert.Equal(3, done.Days);
        var spec = Percentiles with { From = Start, To = Start.AddDays(3) };
        var engine = new MetricsEngine(store);
        var rolled = await engine.RunAsync(spec, CancellationToken.None).WaitAsync(Timeout);
        var scanned = await engine.RunAsync(spec with { UseRollup = false }, CancellationToken.None).WaitAsync(Timeout);
        Assert.True(rolled.FromRollup);
        Assert.Equal(Text(scanned), Text(rolled));
        var (statement, _) = new MetricsSql(store.Dialect).Histograms(spec, LatencyMeasure.All, await RollupState.ReadAsync(store, spec.From, spec.To, CancellationToken.None));
        Assert.Contains(RollupSchema.Latency.Table, statement.Text, StringComparison.Ordinal);
    }

    private static MetricsSpec Percentiles => new()
    {
        From = Start,
        To = Start.AddDays(6),
        GroupBy = ["resource"],
        Filters = [("kind", "model_call")],
        Metrics = [.. LatencyMeasure.All.SelectMany(m => LatencyMeasure.Quantiles.Keys.Select(q => $"{q}_{m.Name}"))],
        Limit = 10_000,
    };

    private static IEnumerable<(string Name, MetricsSpec Spec)> MetricQueries()
    {
        yield return ("percentiles by model", Percentiles);
        yield return ("breakdown by tenant and agent", Percentiles with { GroupBy = ["tenant", "agent"], Filters = [], Metrics = ["events", "errors", "tokens", "cost_usd"] });
        yield return ("weekly usage by status, window cutting hours", Percentiles with { From = Start.AddHours(2.5), To = Start.AddDays(5).AddHours(7), Bucket = TimeBucket.Week, GroupBy = ["status"], Filters = [], Metrics = ["events", "errors", "cost_usd"] });
        yield return ("percentiles by kind, window cutting days", Percentiles with { From = Start.AddHours(3).AddTicks(70), To = Start.AddDays(5).AddHours(2), GroupBy = ["kind"], Filters = [] });
        yield return ("daily percentiles for acme by device", Percentiles with { TenantId = "acme", Bucket = TimeBucket.Day, GroupBy = ["device"] });
    }

    private static IEnumerable<(string Name, ReplayRequest Request)> ReplayQueries()
    {
        var window = new ReplayRequest { From = Timestamp.FromDateTime(Start), To = Timestamp.FromDateTime(Start.AddDays(6)), GroupBy = { "tenant", "workflow" } };
        yield return ("replay: lists in force", window);
        yield return ("replay: under base, cut window", new ReplayRequest(window) { PriceListVersion = "base", From = Timestamp.FromDateTime(Start.AddHours(5)) });
        yield return ("replay: substituted", new ReplayRequest(window) { Substitutions = { new ModelSubstitution { From = "all-MiniLM-L6-v2", To = "tiny-gpt" } }, GroupBy = { "resource", "device" } });
    }

    private static async Task InsertAsync(IEnumerable<IUsageStore> stores, IReadOnlyList<UsageRecord> records)
    {
        foreach (var store in stores)
        {
            foreach (var batch in records.Chunk(1_000))
            {
                await store.InsertAsync(batch, CancellationToken.None).WaitAsync(Timeout);
            }
        }
    }

    /// <summary>DuckDB's event scan is the reference: DuckDB's and ClickHouse's roll-up answers must equal it.</summary>
    private static async Task AssertSameAnswersAsync(IUsageStore[] stores, List<PriceBookProvider> books, string when)
    {
        var answers = new List<(string Name, string Answer)>();
        foreach (var (store, index) in stores.Select((s, i) => (s, i)))
        {
            var engine = new MetricsEngine(store);
            foreach (var (name, spec) in MetricQueries())
            {
                if (index == 0)
                {
                    answers.Add(($"{name} (events)", Text(await engine.RunAsync(spec with { UseRollup = false }, CancellationToken.None).WaitAsync(Timeout))));
                }

                var result = await engine.RunAsync(spec, CancellationToken.None).WaitAsync(Timeout);
                Assert.True(result.FromRollup, $"{store.Dialect.Name} {name} did not read a roll-up");
                answers.Add(($"{name} ({store.Dialect.Name})", Text(result)));
            }

            var prices = books[index];
            var replayer = new CostReplayer(store, prices, new FixedTimeProvider(new DateTimeOffset(Start.AddDays(6))));
            var scan = new CostReplayer(store, prices, new FixedTimeProvider(new DateTimeOffset(Start.AddDays(6)))) { UseRollup = false };
            foreach (var (name, request) in ReplayQueries())
            {
                if (index == 0)
                {
                    answers.Add(($"{name} (events)", (await scan.ReplayAsync(request, Admin, CancellationToken.None).WaitAsync(Timeout)).ToString()));
                }

                answers.Add(($"{name} ({store.Dialect.Name})", (await replayer.ReplayAsync(request, Admin, CancellationToken.None).WaitAsync(Timeout)).ToString()));
            }
        }

        var differences = answers.GroupBy(a => a.Name[..a.Name.LastIndexOf(" (", StringComparison.Ordinal)])
            .Where(g => g.Select(a => a.Answer).Distinct().Count() > 1)
            .Select(g => $"{g.Key}:\n" + string.Join('\n', g.Select(a => $"  {a.Name}: {a.Answer[..Math.Min(a.Answer.Length, 600)]}")))
            .ToList();
        Assert.True(differences.Count == 0, $"{when}:\n{string.Join('\n', differences)}");
    }

    private static string Text(MetricsResult result) => string.Join(" | ", result.Rows.Select(r =>
        $"{r.Bucket} [{string.Join(",", r.Keys)}] {r.Events} {r.Errors} {r.InputTokens} {r.ReasoningTokens} {r.ComputeUs} {r.CostUsd:0.000000000} {string.Join(" ", r.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}"));

    /// <summary>A clock the test moves: ClickHouse stamps inserts with it, the compactor takes its watermark from it.</summary>
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
