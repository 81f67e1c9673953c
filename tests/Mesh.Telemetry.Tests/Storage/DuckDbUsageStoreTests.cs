using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Storage;

public sealed class DuckDbUsageStoreTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task InsertAsync_NewBatch_QueryReturnsExactSums()
    {
        using var store = new DuckDbUsageStore(_database.Path);
        var batch = new[]
        {
            Records.Record("acme", "calculator", 0.0001m, inputTokens: 3),
            Records.Record("acme", "calculator", 0.0001m, inputTokens: 4, status: "error"),
            Records.Record("acme", "all-MiniLM-L6-v2", 0.00000274m, inputTokens: 137),
            Records.Record("globex", "calculator", 0.0001m),
        };

        var inserted = await store.InsertAsync(batch, CancellationToken.None);
        var result = await store.QueryAsync(Records.Window(Dimension.Tenant, Dimension.Resource), CancellationToken.None);

        Assert.Equal(new InsertResult(4, 0), inserted);
        Assert.Equal(3, result.Rows.Count);
        var top = result.Rows[0];
        Assert.Equal(["acme", "calculator"], top.Keys);
        Assert.Equal(2, top.Events);
        Assert.Equal(7, top.InputTokens);
        Assert.Equal(5.0, top.ComputeMs);
        Assert.Equal(0.0002m, top.CostUsd);
        Assert.Equal(1, top.Errors);
        Assert.Equal(["globex", "calculator"], result.Rows[1].Keys);
        Assert.Equal(["acme", "all-MiniLM-L6-v2"], result.Rows[2].Keys);
        Assert.Equal(4, result.Total.Events);
        Assert.Equal(0.00030274m, result.Total.CostUsd);
    }

    [Fact]
    public async Task InsertAsync_SameBatchTwice_StoresOnceAndReportsDuplicates()
    {
        using var store = new DuckDbUsageStore(_database.Path);
        var batch = new[] { Records.Record(), Records.Record(), Records.Record() };

        var first = await store.InsertAsync(batch, CancellationToken.None);
        var second = await store.InsertAsync(batch, CancellationToken.None);
        var result = await store.QueryAsync(Records.Window(), CancellationToken.None);

        Assert.Equal(new InsertResult(3, 0), first);
        Assert.Equal(new InsertResult(0, 3), second);
        Assert.Equal(3, result.Total.Events);
    }

    [Fact]
    public async Task InsertAsync_PartlyStoredBatch_StoresOnlyTheNewEvents()
    {
        using var store = new DuckDbUsageStore(_database.Path);
        var old = Records.Record();
        await store.InsertAsync([old], CancellationToken.None);

        var result = await store.InsertAsync([old, Records.Record()], CancellationToken.None);

        Assert.Equal(new InsertResult(1, 1), result);
    }

    [Fact]
    public async Task InsertAsync_DuplicateIdsWithinBatch_StoresOnce()
    {
        using var store = new DuckDbUsageStore(_database.Path);
        var record = Records.Record(cost: 0.5m);

        var inserted = await store.InsertAsync([record, record with { CostUsd = 9m }, Records.Record(cost: 0.25m)], CancellationToken.None);
        var result = await store.QueryAsync(Records.Window(), CancellationToken.None);

        Assert.Equal(new InsertResult(2, 1), inserted);
        Assert.Equal(2, result.Total.Events);
        Assert.Equal(0.75m, result.Total.CostUsd);
    }

    [Fact]
    public async Task QueryAsync_ReopenedFile_KeepsRows()
    {
        using (var store = new DuckDbUsageStore(_database.Path))
        {
            await store.InsertAsync([Records.Record(cost: 0.000000001m), Records.Record(cost: 0.000000002m)], CancellationToken.None);
        }

        using var reopened = new DuckDbUsageStore(_database.Path);
        var result = await reopened.QueryAsync(Records.Window(), CancellationToken.None);

        Assert.Equal(2, result.Total.Events);
        Assert.Equal(0.000000003m, result.Total.CostUsd);
    }

    [Fact]
    public async Task QueryAsync_FiltersAndWindow_MatchOnlyThoseRows()
    {
        using var store = new DuckDbUsageStore(_database.Path);
        await store.InsertAsync(
        [
            Records.Record("o'brien; DROP TABLE usage_events; --"),
            Records.Record("acme"),
            Records.Record("o'brien; DROP TABLE usage_events; --", at: Records.Noon.AddHours(1)), // at the exclusive end
            Records.Record("o'brien; DROP TABLE usage_events; --", at: Records.Noon.AddHours(-1)), // at the inclusive start
        ], CancellationToken.None);

        var result = await store.QueryAsync(Records.Window() with { TenantId = "o'brien; DROP TABLE usage_events; --" }, CancellationToken.None);
        var all = await store.QueryAsync(Records.Window(), CancellationToken.None);

        Assert.Equal(2, result.Total.Events);
        Assert.Equal(3, all.Total.Events);
    }

    [Fact]
    public async Task QueryAsync_WhileBatchesAreWritten_NeverSeesPartOfABatch()
    {
        const int BatchSize = 500;
        using var store = new DuckDbUsageStore(_database.Path);
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await store.InsertAsync([.. Enumerable.Range(0, BatchSize).Select(_ => Records.Record())], CancellationToken.None);
            }
        });

        var observed = new List<long>();
        while (!writer.IsCompleted)
        {
            observed.Add((await store.QueryAsync(Records.Window(), CancellationToken.None)).Total.Events);
        }

        await writer.WaitAsync(TimeSpan.FromSeconds(60));
        observed.Add((await store.QueryAsync(Records.Window(), CancellationToken.None)).Total.Events);
        Assert.All(observed, count => Assert.Equal(0, count % BatchSize));
        Assert.Equal(20 * BatchSize, observed[^1]);
    }

    [Fact]
    public async Task QueryAsync_NoGroupBy_ReturnsOneTotalRowEvenWhenEmpty()
    {
        using var store = new DuckDbUsageStore(_database.Path);

        var result = await store.QueryAsync(Records.Window(), CancellationToken.None);

        var row = Assert.Single(result.Rows);
        Assert.Empty(row.Keys);
        Assert.Equal(0, row.Events);
        Assert.Equal(0m, row.CostUsd);
    }
}
