using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>The stores' attribution of run outcomes against the plain run-by-run computation, on uneven shares, on both engines.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioAttributionTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    internal static readonly DateTime Day1 = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task ReadAsync_UnevenRunShares_SameAsRunByRunAttributionOnBothStores()
    {
        var (previousFrom, from, to) = (Day1, Day1.AddDays(3), Day1.AddDays(6));
        var records = Records();
        var expected = new[] { Reference(records, from, to), Reference(records, previousFrom, from) };

        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        var read = new List<VrioFacts[]>();
        foreach (var store in new IUsageStore[] { duckDb, clickHouseStore })
        {
            await store.InsertAsync(records, CancellationToken.None).WaitAsync(Timeout);
            var (current, previous) = await new VrioFactsReader(store).ReadAsync("acme", previousFrom, from, to, CancellationToken.None).WaitAsync(Timeout);
            read.Add([current, previous]);
            foreach (var (facts, want) in new[] { current, previous }.Zip(expected))
            {
                Assert.Equal(Flatten(want.Attributed).Select(r => r.Key), Flatten(facts.Attributed).Select(r => r.Key));
                foreach (var ((key, want1), (_, got)) in Flatten(want.Attributed).Zip(Flatten(facts.Attributed)))
                {
                    // The store truncates each share to 1e-18 USD; the reference rounds to 28 digits.
                    Assert.True(Math.Abs(want1.ValueUsd - got.ValueUsd) < 1e-15m, $"{key}: value {got.ValueUsd}, expected {want1.ValueUsd}");
                    Assert.True(Math.Abs(want1.EqualSplitUsd - got.EqualSplitUsd) < 1e-15m, $"{key}: equal split {got.EqualSplitUsd}, expected {want1.EqualSplitUsd}");
                    Assert.Equal((want1.Outcomes, want1.Successful), (got.Outcomes, got.Successful));
                }

                Assert.Equal(Flatten(want.WorkflowRunCost), Flatten(facts.WorkflowRunCost));
                Assert.Equal(want.RunsByName.OrderBy(p => p.Key.ToString()), facts.RunsByName.OrderBy(p => p.Key.ToString()));
                Assert.Equal(
                    want.DependentWorkflows.OrderBy(p => p.Key.ToString()).Select(p => (p.Key, string.Join(",", p.Value.Order(StringComparer.Ordinal)))),
                    facts.DependentWorkflows.OrderBy(p => p.Key.ToString()).Select(p => (p.Key, string.Join(",", p.Value.Order(StringComparer.Ordinal)))));
            }
        }

        // Both engines give the same digits, not merely close ones.
        for (var w = 0; w < 2; w++)
        {
            Assert.Equal(Flatten(read[0][w].Attributed), Flatten(read[1][w].Attributed));
        }

        var m1 = new CapabilityKey("model", "m1", "1");
        var m3 = new CapabilityKey("model", "m3", "1");
        Assert.True(read[0][0].Attributed.ContainsKey(m1));
        Assert.False(read[0][0].Attributed.ContainsKey(m3));
        Assert.Equal(0.02m, CapabilityEconomics.Compute(read[0][0])[m3].FullCostUsd);
        Assert.Equal(0m, CapabilityEconomics.Compute(read[0][0])[m3].ValueUsd);
    }

    /// <summary>
    /// Runs of several capabilities at uneven costs over days of both windows: a run whose shares
    /// do not end (1/3, 2/3), a run whose models cost nothing (equal shares), a workflow-only run,
    /// runs without outcomes, outcomes of runs that used nothing, a failed outcome, an outcome that
    /// names its capability, a model used only by a run without outcomes, and a value whose sums
    /// pass 2^64 units of 1e-18 USD.
    /// </summary>
    internal static List<UsageRecord> Records()
    {
        var n = 0;
        var records = new List<UsageRecord>();
        void Use(string run, string kind, string resource, int day, int hour, decimal cost, string version = "1")
        {
            var call = VrioData.Call("acme", kind, resource, Day1.AddDays(day).AddHours(hour), cost, "ok", "alice", run, ref n);
            records.Add(call with { ResourceVersion = version });
        }

        void Outcome(string run, int day, bool success, decimal value, CapabilityKey? capability = null) =>
            records.Add(VrioData.Outcome("acme", run, capability, Day1.AddDays(day).AddHours(12), success, value, ref n));

        // Previous window (days 0-2).
        Use("p1", "workflow_step", "wf-a", 0, 1, 0.001m);
        Use("p1", "model_call", "m1", 0, 1, 0.03m);
        Use("p1", "tool_call", "t1", 1, 2, 0.013m);
        Outcome("p1", 1, true, 4m);
        Outcome("p1", 2, false, 9m);

        // Current window (days 3-5).
        Use("r1", "workflow_step", "wf-a", 3, 1, 0.001m);
        Use("r1", "model_call", "m1", 3, 1, 0.03m);
        Use("r1", "model_call", "m1", 4, 2, 0.02m);
        Use("r1", "tool_call", "t1", 4, 3, 0.01m);
        Use("r1", "embedding", "m2", 4, 4, 0.007m, "2");
        Use("r1", "workflow_step", "wf-a", 4, 5, 0.001m);
        Outcome("r1", 4, true, 3m);
        Outcome("r1", 4, true, 0.5m);
        Outcome("r1", 5, false, 5m);
        Outcome("r1", 5, true, 250000.123456789m);
        Use("r2", "model_call", "m1", 3, 6, 0.005m);
        Use("r2", "tool_call", "t2", 3, 7, 0m);
        Outcome("r2", 3, true, 7m);
        Use("r3", "tool_call", "t1", 5, 1, 0m);
        Use("r3", "tool_call", "t2", 5, 2, 0m);
        Use("r3", "workflow_step", "wf-b", 5, 3, 0m);
        Outcome("r3", 5, true, 2m);
        Use("r4", "model_call", "m3", 3, 8, 0.02m);
        Use("r4", "workflow_step", "wf-b", 3, 9, 0.002m);
        Outcome("ghost", 4, true, 10m);
        Use("r6", "workflow_step", "wf-b", 4, 6, 0.004m);
        Outcome("r6", 4, true, 1.5m);
        Use("r7", "model_call", "m1", 5, 4, 0.01m);
        Use("r7", "model_call", "m2", 5, 5, 0.02m);
        Use("r7", "model_call", "m2", 5, 6, 0.02m, "2");
        Outcome("r7", 5, true, 1m);
        Outcome("r7", 5, true, 1m);
        Outcome("r8", 3, true, 6m, new CapabilityKey("model", "m1", "1"));
        Outcome("", 3, true, 6m);
        Use("", "model_call", "m1", 3, 10, 0.5m);
        return records;
    }

    /// <summary>The window's runs and outcomes gathered from the records, then attributed run by run.</summary>
    private static VrioFacts Reference(List<UsageRecord> records, DateTime from, DateTime to)
    {
        static long Day(DateTime at) => (long)(at - DateTime.UnixEpoch).TotalDays;
        static string KindOf(string kind) => kind switch { "model_call" or "embedding" => "model", "tool_call" => "tool", _ => "workflow" };
        var inWindow = records.Where(r => r.OccurredAt >= from && r.OccurredAt < to && r.RunId.Length > 0).ToList();
        var runs = inWindow.Where(r => r.Kind != "outcome").GroupBy(r => r.RunId).ToDictionary(
            g => g.Key,
            g => new ReferenceAttribution.Run(g.Min(r => Day(r.OccurredAt)), g.GroupBy(r => new CapabilityKey(KindOf(r.Kind), r.Resource, r.ResourceVersion)).ToDictionary(p => p.Key, p => p.Sum(r => r.CostUsd))),
            StringComparer.Ordinal);
        var outcomes = inWindow.Where(r => r.Kind == "outcome" && !r.Attributes.Contains("capability_kind", StringComparison.Ordinal))
            .Select(r => new ReferenceAttribution.RunOutcome(r.RunId, r.Status == "ok", decimal.Parse(r.Attributes.Split('"')[3], System.Globalization.CultureInfo.InvariantCulture), Day(r.OccurredAt)));
        var facts = new VrioFacts { From = from, To = to };
        ReferenceAttribution.Apply(facts, runs, outcomes);
        return facts;
    }

    private static List<KeyValuePair<(string Key, long Day), T>> Flatten<T>(Dictionary<CapabilityKey, Dictionary<long, T>> map) =>
        [.. map.SelectMany(p => p.Value.Select(d => KeyValuePair.Create((p.Key.ToString(), d.Key), d.Value))).OrderBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2)];
}
