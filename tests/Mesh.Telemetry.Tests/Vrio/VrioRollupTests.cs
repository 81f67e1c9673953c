using System.Globalization;
using System.Text;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>
/// The VRIO facts read with the daily roll-up are those read from the events alone, on DuckDB and
/// ClickHouse alike: after a compaction, with a late outcome for a rolled-up run, a run that
/// continues into the open day and a late event of a compacted day (before and after the next
/// compaction), for windows on day boundaries and windows that cut days.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioRollupTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly DateTime Day1 = VrioAttributionTests.Day1;
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task ReadAsync_RollupWithLateOutcomesAndEvents_SameFactsAsTheEventsOnBothStores()
    {
        // Noon of the seventh day: days 0-5 are closed, day 6 is open.
        var clock = new Clock(new DateTimeOffset(Day1.AddDays(6.5)));
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, clock);
        var stores = new IUsageStore[] { duckDb, clickHouseStore };
        var n = 1000;
        await InsertAsync(stores, VrioAttributionTests.Records());

        clock.Advance(TimeSpan.FromSeconds(10));
        foreach (var store in stores)
        {
            var done = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(6, done.Days);
        }

        await AssertSameFactsAsync(stores, "after the first compaction", rolledUp: true);

        // r2 (day 3 only) gets an outcome on day 5; r7 (day 5 only) a call on the open day 6; day 1 a new run.
        clock.Advance(TimeSpan.FromSeconds(10));
        var late = new List<UsageRecord>
        {
            VrioData.Outcome("acme", "r2", null, Day1.AddDays(5).AddHours(20), true, 11m, ref n),
            VrioData.Call("acme", "tool_call", "t2", Day1.AddDays(6).AddHours(1), 0.004m, "ok", "bob", "r7", ref n),
            VrioData.Outcome("acme", "r7", null, Day1.AddDays(6).AddHours(2), true, 3m, ref n),
            VrioData.Call("acme", "model_call", "m1", Day1.AddDays(1).AddHours(5), 0.02m, "ok", "bob", "late", ref n),
            VrioData.Call("acme", "workflow_step", "wf-a", Day1.AddDays(1).AddHours(5), 0.001m, "ok", "bob", "late", ref n),
            VrioData.Outcome("acme", "late", null, Day1.AddDays(1).AddHours(6), true, 2m, ref n),
        };
        await InsertAsync(stores, late);
        await AssertSameFactsAsync(stores, "with events past the watermark", rolledUp: true);

        clock.Advance(TimeSpan.FromSeconds(10));
        foreach (var store in stores)
        {
            // Days 1 and 5 (late events) and day 3 (r2's other day); day 6 stays open.
            var done = await new RollupCompactor(store, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
            Assert.Equal(3, done.Days);
        }

        await AssertSameFactsAsync(stores, "after the second compaction", rolledUp: true);
    }

    [Fact]
    public async Task Compact_StoreCompactedBeforeTheVrioRollup_RollsEveryClosedDayUpOnce()
    {
        var clock = new Clock(new DateTimeOffset(Day1.AddDays(6.5)));
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        await duckDb.InsertAsync(VrioAttributionTests.Records(), CancellationToken.None).WaitAsync(Timeout);
        clock.Advance(TimeSpan.FromSeconds(10));
        await new RollupCompactor(duckDb, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
        // As a store compacted by a release without the VRIO roll-up finds itself.
        await duckDb.ExecuteAllAsync([.. VrioRollup.Tables.Select(t => new SqlStatement($"DELETE FROM {t}", []))], CancellationToken.None).WaitAsync(Timeout);
        Assert.Null(await VrioRollupPlan.ReadAsync(duckDb, "acme", Day1, Day1.AddDays(3), Day1.AddDays(6), CancellationToken.None).WaitAsync(Timeout));

        clock.Advance(TimeSpan.FromSeconds(10));
        var done = await new RollupCompactor(duckDb, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);
        var again = await new RollupCompactor(duckDb, clock).CompactAsync(TimeSpan.Zero, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal((6, 0), (done.Days, again.Days));
        await AssertSameFactsAsync([duckDb], "after the upgrade", rolledUp: true);
    }

    private static async Task InsertAsync(IUsageStore[] stores, List<UsageRecord> records)
    {
        foreach (var store in stores)
        {
            await store.InsertAsync(records, CancellationToken.None).WaitAsync(Timeout);
        }
    }

    /// <summary>Each store's facts with and without the roll-up agree, and the stores agree, for whole-day and cut windows.</summary>
    private static async Task AssertSameFactsAsync(IUsageStore[] stores, string when, bool rolledUp)
    {
        foreach (var (previousFrom, from, to) in new[] { (Day1, Day1.AddDays(3), Day1.AddDays(6)), (Day1.AddHours(7), Day1.AddDays(3).AddHours(7), Day1.AddDays(6).AddHours(13)) })
        {
            var described = new List<string>();
            foreach (var store in stores)
            {
                var events = await new VrioFactsReader(store) { UseRollup = false }.ReadAsync("acme", previousFrom, from, to, CancellationToken.None).WaitAsync(Timeout);
                var rollup = await new VrioFactsReader(store).ReadAsync("acme", previousFrom, from, to, CancellationToken.None).WaitAsync(Timeout);
                Assert.Equal(Describe(events.Current) + Describe(events.Previous), Describe(rollup.Current) + Describe(rollup.Previous));
                described.Add(Describe(rollup.Current) + Describe(rollup.Previous));
                if (rolledUp)
                {
                    var plan = await VrioRollupPlan.ReadAsync(store, "acme", previousFrom, from, to, CancellationToken.None).WaitAsync(Timeout);
                    Assert.True(plan is not null && plan.Current.Count + plan.Previous.Count > 0, $"{store.Dialect.Name} {when}: no day was read from the roll-up");
                }
            }

            Assert.True(described.Distinct().Count() == 1, $"{when}: DuckDB and ClickHouse differ for [{previousFrom:o}, {to:o}):\n{string.Join("\n----\n", described)}");
            Assert.Contains("value:", described[0], StringComparison.Ordinal);
        }
    }

    /// <summary>The run-level facts as text, sorted, every digit.</summary>
    private static string Describe(VrioFacts facts)
    {
        var text = new StringBuilder();
        foreach (var (key, u) in facts.Usage.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"usage:{key}={u.Calls}/{u.Ok}/{N(u.CostUsd)}/{u.Principals}/{u.Traced}/{u.Priced}/{u.P95Ms}/{u.ComputeSeconds}/{u.Days}\n");
        }

        foreach (var (key, days) in facts.Attributed.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            foreach (var (day, value) in days.OrderBy(d => d.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"value:{key}/{day}={N(value.ValueUsd)}/{N(value.EqualSplitUsd)}/{value.Outcomes}/{value.Successful}\n");
            }
        }

        foreach (var (key, days) in facts.WorkflowRunCost.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            foreach (var (day, cost) in days.OrderBy(d => d.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"cost:{key}/{day}={N(cost)}\n");
            }
        }

        foreach (var (key, runs) in facts.RunsByName.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"runs:{key}={runs}\n");
        }

        foreach (var (key, set) in facts.DependentWorkflows.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"uses:{key}={string.Join(",", set.Order(StringComparer.Ordinal))}\n");
        }

        foreach (var outcome in facts.Outcomes.OrderBy(o => o.ToString(), StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"outcome:{outcome.Capability}/{outcome.Success}/{outcome.Day}={N(outcome.ValueUsd)}/{outcome.Count}\n");
        }

        return text.ToString();
    }

    /// <summary>The value without trailing zeros (the engines print decimals at different scales; the report does not show them).</summary>
    private static decimal N(decimal value) => value / 1.0000000000000000000000000000m;

    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
