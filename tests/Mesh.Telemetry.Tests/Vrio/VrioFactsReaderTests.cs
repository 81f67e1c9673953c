using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>The facts of two windows read together: whole hours from the roll-up, cut hours from the events, on both engines.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioFactsReaderTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task ReadAsync_WindowsCutHours_EachEventInItsWindowAndDayOnce()
    {
        // Windows [00:20 day 1, 10:40 day 2) and [10:40 day 2, 05:30 day 3): every boundary cuts an hour.
        var day1 = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var (previousFrom, from, to) = (day1.AddMinutes(20), day1.AddDays(1).AddHours(10).AddMinutes(40), day1.AddDays(2).AddHours(5).AddMinutes(30));
        var n = 0;
        var records = new List<UsageRecord>();
        for (var at = day1; at < day1.AddDays(3); at = at.AddMinutes(10))
        {
            records.Add(VrioData.Call("acme", "model_call", "m", at, 0.001m, "ok", "alice", "", ref n));
            records.Add(VrioData.Audit("acme", "model:m", at, at.Minute == 30 ? "denied" : "ok", ref n));
        }

        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        var key = new CapabilityKey("model", "m", "1");
        foreach (var store in new IUsageStore[] { duckDb, clickHouseStore })
        {
            await store.InsertAsync(records, CancellationToken.None).WaitAsync(Timeout);

            var (current, previous) = await new VrioFactsReader(store).ReadAsync("acme", previousFrom, from, to, CancellationToken.None).WaitAsync(Timeout);

            foreach (var (facts, start, end) in new[] { (current, from, to), (previous, previousFrom, from) })
            {
                var inWindow = records.Where(r => r.Kind == "model_call" && r.OccurredAt >= start && r.OccurredAt < end).ToList();
                var audits = records.Where(r => r.Kind == "audit" && r.OccurredAt >= start && r.OccurredAt < end).ToList();
                var expectedDays = inWindow.GroupBy(r => (long)(r.OccurredAt - DateTime.UnixEpoch).TotalDays).ToDictionary(g => g.Key, g => g.Sum(r => r.CostUsd));
                Assert.Equal(expectedDays.OrderBy(p => p.Key), facts.DailyCost[key].OrderBy(p => p.Key));
                Assert.Equal(inWindow.Count, facts.Usage[key].Calls);
                Assert.Equal((audits.Count(a => a.Status == "ok"), audits.Count(a => a.Status == "denied")), ((int)facts.Audits["model:m"].Allowed, (int)facts.Audits["model:m"].Denied));
            }

            Assert.Equal(day1, current.History[key with { Version = "" }].FirstUse);
        }
    }
}
