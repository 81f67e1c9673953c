using Mesh.Telemetry.Analytics;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Storage.ClickHouse;

/// <summary>
/// Embedded and distributed mode answer analytics from different engines; for the same events
/// every answer must be the same, to the last digit of cost and the order of the rows.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class UsageStoreParityTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly string[] Tenants = ["acme", "Acme", "globex", "o'brien", "ünï €", @"back\slash"];
    private static readonly string[] Resources = ["all-MiniLM-L6-v2", "calculator", "knowledge-search", "assistant", "tiny-gpt"];
    private static readonly string[] Kinds = ["model_call", "embedding", "tool_call", "workflow_step", "retrieval"];
    private static readonly string[] Statuses = ["ok", "ok", "ok", "error", "cancelled", "denied"];
    private static readonly DateTime Start = new(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task QueryAsync_SameEvents_DuckDbAndClickHouseAnswerIdentically()
    {
        var records = Generate(3_000, seed: 7);
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        foreach (var batch in records.Chunk(700))
        {
            // Every batch goes in twice: both stores must keep one copy.
            await duckDb.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await duckDb.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await clickHouseStore.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            await clickHouseStore.InsertAsync(batch, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        var differences = new List<string>();
        foreach (var (name, query) in QuerySet())
        {
            var expected = Text(await duckDb.QueryAsync(query, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
            var actual = Text(await clickHouseStore.QueryAsync(query, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
            if (expected != actual)
            {
                differences.Add($"{name}:\n  duckdb:     {expected}\n  clickhouse: {actual}");
            }
        }

        Assert.True(differences.Count == 0, string.Join('\n', differences));
        Assert.Equal(records.Count, (await duckDb.QueryAsync(new UsageQuerySpec { From = Start, To = Start.AddDays(1) }, CancellationToken.None)).Total.Events);
    }

    private static Dictionary<string, UsageQuerySpec> QuerySet()
    {
        var all = new UsageQuerySpec { From = Start, To = Start.AddHours(4), Limit = 10_000 };
        var queries = new Dictionary<string, UsageQuerySpec>
        {
            ["total"] = all,
            ["empty window"] = all with { From = Start.AddDays(-2), To = Start.AddDays(-1) },
            ["empty window grouped"] = all with { From = Start.AddDays(-2), To = Start.AddDays(-1), GroupBy = [Dimension.Tenant] },
            ["sub-second window"] = all with { From = Start.AddTicks(12_345_670), To = Start.AddHours(1).AddTicks(9_876_540) },
            ["tenant and resource, limit 5"] = all with { GroupBy = [Dimension.Tenant, Dimension.Resource], Limit = 5 },
            ["tenant, agent, run"] = all with { GroupBy = [Dimension.Tenant, Dimension.Agent, Dimension.Run] },
            ["resource filtered by tenant with a quote"] = all with { GroupBy = [Dimension.Resource], TenantId = "o'brien" },
            ["kind filtered by backslash tenant"] = all with { GroupBy = [Dimension.Kind], TenantId = @"back\slash" },
            ["status for one agent and kind"] = all with { GroupBy = [Dimension.Status], AgentId = "agent-1", Kind = "tool_call" },
            ["device for one run"] = all with { GroupBy = [Dimension.Device], RunId = "run-3" },
            ["principal for one resource, limit 1"] = all with { GroupBy = [Dimension.Principal], Resource = "calculator", Limit = 1 },
            ["no match filter"] = all with { GroupBy = [Dimension.Tenant], TenantId = "nobody" },
        };
        foreach (var dimension in Enum.GetValues<Dimension>().Where(UsageSql.IsGroupable))
        {
            queries[$"by {dimension}"] = all with { GroupBy = [dimension] };
        }

        return queries;
    }

    private static List<UsageRecord> Generate(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new UsageRecord
        {
            EventId = Guid.NewGuid(),
            OccurredAt = Start.AddTicks((long)(random.NextDouble() * TimeSpan.FromHours(3).Ticks) / 10 * 10),
            TenantId = Tenants[random.Next(Tenants.Length)],
            PrincipalId = $"user-{random.Next(4)}",
            AgentId = random.Next(3) == 0 ? "" : $"agent-{random.Next(3)}",
            RunId = $"run-{random.Next(6)}",
            StepId = $"step-{random.Next(4)}",
            Service = random.Next(2) == 0 ? "inference" : "tools",
            Kind = Kinds[random.Next(Kinds.Length)],
            Resource = Resources[random.Next(Resources.Length)],
            ResourceVersion = "1",
            Device = random.Next(2) == 0 ? "cpu" : "cuda:0",
            InputTokens = random.Next(0, 5_000),
            OutputTokens = random.Next(0, 800),
            CachedTokens = random.Next(0, 100),
            QueueMs = random.NextDouble() * 3,
            ComputeMs = random.NextDouble() * 120,
            TotalMs = random.NextDouble() * 130,
            BatchSize = random.Next(1, 16),
            Status = Statuses[random.Next(Statuses.Length)],
            CostUsd = random.Next(0, 2_000_000) / 1_000_000_000m,
            PriceVersion = "test",
            Attributes = "{}",
        })];
    }

    private static string Text(UsageQueryResult result) =>
        string.Join(" | ", result.Rows.Select(Text)) + " || total " + Text(result.Total);

    // Cost as the analytics API writes it: the engines may differ only in trailing zeros.
    private static string Text(UsageAggregate a) =>
        $"[{string.Join(",", a.Keys)}] {a.Events} {a.InputTokens} {a.OutputTokens} {a.CachedTokens} {a.ComputeMs:R} {AnalyticsService.FormatCost(a.CostUsd)} {a.Errors}";
}
