using System.Buffers;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Storage.ClickHouse;

[Collection(ClickHouseCollection.Name)]
public sealed class ClickHouseUsageStoreTests(ClickHouseFixture clickHouse)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task InsertAsync_NewBatch_QueryReturnsExactSums()
    {
        using var store = await StoreAsync();
        var batch = new[]
        {
            Records.Record("acme", "calculator", 0.0001m, inputTokens: 3),
            Records.Record("acme", "calculator", 0.0001m, inputTokens: 4, status: "error"),
            Records.Record("acme", "all-MiniLM-L6-v2", 0.00000274m, inputTokens: 137),
            Records.Record("globex", "calculator", 0.0001m),
        };

        var inserted = await store.InsertAsync(batch, None).WaitAsync(TimeSpan.FromSeconds(30));
        var result = await store.QueryAsync(Records.Window(Dimension.Tenant, Dimension.Resource), None).WaitAsync(TimeSpan.FromSeconds(30));

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
        Assert.Equal(4, result.Total.Events);
        Assert.Equal(0.00030274m, result.Total.CostUsd);
    }

    [Fact]
    public async Task InsertAsync_RowsOfDifferentShapes_EveryColumnReadsBackAsWritten()
    {
        using var store = await StoreAsync();
        var full = Records.Record("アクメ-é", "all-MiniLM-L6-v2", 123.456789012m, inputTokens: long.MaxValue / 2, at: Records.Noon.AddTicks(1234560)) with
        {
            PrincipalId = "user\t1",
            AgentId = "agent-1",
            RunId = "run-1",
            StepId = "step-1",
            Service = "inference",
            ResourceVersion = "2",
            Device = "cuda:0",
            OutputTokens = 7,
            CachedTokens = 5,
            ReasoningTokens = 3,
            TtftMs = 12.25,
            PricedAs = "embedding-small",
            QueueMs = 0.5,
            TotalMs = 9.75,
            BatchSize = 32,
            Attributes = "{\"k\":\"v\"}",
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
        };
        // Strings at the edges of a one-byte length: 42 three-byte characters (126 bytes), 43 and 300 characters.
        var batch = new[]
        {
            full,
            Records.Record(new string('日', 42), "", 0m),
            Records.Record(new string('x', 300), "calculator", 0.000000001m, inputTokens: 1) with { AgentId = new string('a', 43) },
        };

        await store.InsertAsync(batch, None).WaitAsync(TimeSpan.FromSeconds(30));
        var rows = await clickHouse.Server.QueryAsync(
            $"SELECT toString(event_id), toUInt32(occurred_at), occurred_us, tenant_id, principal_id, agent_id, run_id, step_id, service, kind, resource, resource_version, device, "
            + $"input_tokens, output_tokens, cached_tokens, queue_ms, compute_ms, total_ms, batch_size, status, toString(cost_usd), price_version, attributes, trace_id, reasoning_tokens, ttft_ms, priced_as "
            + $"FROM {store.Database}.{UsageSql.Table} ORDER BY input_tokens DESC FORMAT TSV").WaitAsync(TimeSpan.FromSeconds(30));

        static string Row(UsageRecord r) => string.Join('\t',
            r.EventId, new DateTimeOffset(r.OccurredAt).ToUnixTimeSeconds(), r.OccurredAt.Ticks % TimeSpan.TicksPerSecond / 10, r.TenantId, r.PrincipalId.Replace("\t", "\\t", StringComparison.Ordinal),
            r.AgentId, r.RunId, r.StepId, r.Service, r.Kind, r.Resource, r.ResourceVersion, r.Device, r.InputTokens, r.OutputTokens, r.CachedTokens,
            Number(r.QueueMs), Number(r.ComputeMs), Number(r.TotalMs), r.BatchSize, r.Status, r.CostUsd.ToString("0.000000000", System.Globalization.CultureInfo.InvariantCulture), r.PriceVersion,
            r.Attributes, r.TraceId, r.ReasoningTokens, Number(r.TtftMs), r.PricedAs);
        static string Number(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(string.Concat(batch.OrderByDescending(r => r.InputTokens).Select(r => Row(r) + "\n")), rows);
    }

    [Fact]
    public async Task InsertAsync_BatchMadeAsItIsRead_ReadsItOnceAndStoresEachEventOnce()
    {
        using var store = await StoreAsync();
        var stored = Enumerable.Range(0, 5).Select(_ => Records.Record()).ToList();
        await store.InsertAsync(stored, None).WaitAsync(TimeSpan.FromSeconds(30));
        var fresh = Enumerable.Range(0, 8).Select(_ => Records.Record() with { FirstArrival = true }).ToList();
        var reads = 0;
        IEnumerable<UsageRecord> Made()
        {
            reads++;
            // First arrivals, one repeated; replays of stored events; a replay of a first arrival of this batch.
            foreach (var record in fresh.Append(fresh[0]).Concat(stored).Append(fresh[1] with { FirstArrival = false }))
            {
                yield return record;
            }
        }

        var inserted = await store.InsertAsync(Made(), None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, reads);
        Assert.Equal(new InsertResult(8, 7), inserted);
        Assert.Equal((13L, 13L), await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task InsertAsync_ReplayCalledWhileAnEarlierCallIsStillReading_SeesTheEarlierCallsRow()
    {
        using var store = await StoreAsync();
        var record = Records.Record();
        var (reading, release) = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        IEnumerable<UsageRecord> SlowFirstArrival()
        {
            reading.SetResult();
            release.Task.Wait(TimeSpan.FromSeconds(30));
            yield return record with { FirstArrival = true };
        }

        // The first call is still decoding its batch when a later one brings a replay of the same event.
        var first = Task.Run(() => store.InsertAsync(SlowFirstArrival(), None));
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var replay = store.InsertAsync([record], None);
        await Task.Delay(200);
        release.SetResult();

        Assert.Equal(new InsertResult(1, 0), await first.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(new InsertResult(0, 1), await replay.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal((1L, 1L), await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task InsertAsync_FirstArrivalsAmongReplays_LooksUpOnlyTheReplays()
    {
        using var store = await StoreAsync();
        var stored = Enumerable.Range(0, 20).Select(_ => Records.Record()).ToList();
        await store.InsertAsync(stored, None).WaitAsync(TimeSpan.FromSeconds(30));
        var fresh = Enumerable.Range(0, 30).Select(_ => Records.Record() with { FirstArrival = true }).ToList();

        // The replays are found and skipped; the first arrivals go in without a lookup, which a
        // record wrongly marked as one shows: it is stored again.
        var mixed = await store.InsertAsync([.. stored.Take(10), .. fresh, stored[10] with { FirstArrival = true }], None).WaitAsync(TimeSpan.FromSeconds(30));
        var counts = await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new InsertResult(31, 10), mixed);
        Assert.Equal((51L, 50L), counts);
    }

    [Fact]
    public async Task InsertAsync_BatchReplayedAndOverlapping_StoresEachEventOnce()
    {
        using var store = await StoreAsync();
        var first = Enumerable.Range(0, 300).Select(i => Records.Record(i % 2 == 0 ? "acme" : "globex", cost: 0.000000001m * (i + 1))).ToList();
        var second = first.Skip(100).Concat(Enumerable.Range(0, 50).Select(_ => Records.Record())).ToList();

        var a = await store.InsertAsync(first, None).WaitAsync(TimeSpan.FromSeconds(30));
        var replay = await store.InsertAsync(first, None).WaitAsync(TimeSpan.FromSeconds(30));
        var b = await store.InsertAsync([.. second, second[0]], None).WaitAsync(TimeSpan.FromSeconds(30));
        var counts = await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30));
        var total = (await store.QueryAsync(Records.Window(), None).WaitAsync(TimeSpan.FromSeconds(30))).Total;

        Assert.Equal(new InsertResult(300, 0), a);
        Assert.Equal(new InsertResult(0, 300), replay);
        Assert.Equal(new InsertResult(50, 201), b);
        Assert.Equal((350L, 350L), counts);
        Assert.Equal(350, total.Events);
        Assert.Equal((0.000000001m * 300 * 301 / 2) + (50 * 0.0001m), total.CostUsd);
    }

    [Fact]
    public async Task InsertAsync_OverlappingBatchesAtOnce_StoresEachEventOnce()
    {
        using var store = await StoreAsync();
        // 12 batches of 400 drawn from 1,000 events, each sharing most ids with the ones beside
        // it, all sent at once from different threads, as overlapping ingest writes would be.
        var events = Enumerable.Range(0, 1_000).Select(i => Records.Record(i % 3 == 0 ? "acme" : "globex", cost: 0.000000001m * (i + 1))).ToList();
        var batches = Enumerable.Range(0, 12).Select(b => Enumerable.Range(b * 50, 400).Select(i => events[i % events.Count]).ToList()).ToList();
        var expected = batches.SelectMany(b => b).Select(r => r.EventId).Distinct().Count();

        var results = await Task.WhenAll(batches.Select(b => Task.Run(() => store.InsertAsync(b, None)))).WaitAsync(TimeSpan.FromSeconds(60));
        var counts = await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(expected, results.Sum(r => r.Stored));
        Assert.Equal(12 * 400, results.Sum(r => r.Stored + r.Duplicates));
        Assert.Equal(((long)expected, (long)expected), counts);
    }

    [Fact]
    public async Task QueryAsync_DuplicateRowsStoredByARacingWriter_CountsEachEventOnce()
    {
        using var store = await StoreAsync();
        var record = Records.Record(cost: 0.5m);
        await store.InsertAsync([record], None).WaitAsync(TimeSpan.FromSeconds(30));
        // A second writer that missed the first one's row: the raw insert bypasses the lookup.
        await InsertRawAsync(store, record);

        var counts = await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30));
        var total = (await store.QueryAsync(Records.Window(Dimension.Tenant), None).WaitAsync(TimeSpan.FromSeconds(30))).Total;

        Assert.Equal((2L, 1L), counts);
        Assert.Equal(1, total.Events);
        Assert.Equal(0.5m, total.CostUsd);
    }

    [Theory]
    [InlineData("o'brien; DROP TABLE usage_events; --")]
    [InlineData(@"back\slash\' and ''quotes''")]
    [InlineData("line\nbreak\ttab\0nul")]
    [InlineData("{p:String} ? $1 %s ünï €")]
    [InlineData("ünïcödé, over 128 UTF-8 bytes (a two-byte length): €€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€")]
    public async Task QueryAsync_TenantWithSpecialCharacters_FiltersExactlyThatTenant(string tenant)
    {
        using var store = await StoreAsync();
        await store.InsertAsync(
        [
            Records.Record(tenant, cost: 1m),
            Records.Record(tenant, cost: 2m, at: Records.Noon.AddMinutes(1)),
            Records.Record(tenant + "x", cost: 4m),
            Records.Record("acme", cost: 8m),
        ], None).WaitAsync(TimeSpan.FromSeconds(30));

        var result = await store.QueryAsync(Records.Window(Dimension.Tenant) with { TenantId = tenant }, None).WaitAsync(TimeSpan.FromSeconds(30));

        var row = Assert.Single(result.Rows);
        Assert.Equal([tenant], row.Keys);
        Assert.Equal(3m, row.CostUsd);
        Assert.Equal(3m, result.Total.CostUsd);
    }

    [Fact]
    public async Task QueryAsync_WindowBoundsInsideASecond_AreExactToTheMicrosecond()
    {
        using var store = await StoreAsync();
        var start = Records.Noon.AddTicks(5_000_010); // 12:00:00.500001
        await store.InsertAsync(
        [
            Records.Record(at: start.AddTicks(-10)), // one microsecond before the start
            Records.Record(at: start),
            Records.Record(at: start.AddTicks(4_000_000)), // 12:00:00.900001, the exclusive end
            Records.Record(at: start.AddTicks(3_999_990)),
        ], None).WaitAsync(TimeSpan.FromSeconds(30));

        var result = await store.QueryAsync(new UsageQuerySpec { From = start, To = start.AddTicks(4_000_000) }, None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.Total.Events);
    }

    [Fact]
    public async Task Migrate_RunTwice_KeepsRowsAndRollUpsMatchEvents()
    {
        using var store = await StoreAsync();
        var records = Enumerable.Range(0, 200).Select(i => Records.Record(i % 3 == 0 ? "globex" : "acme", i % 2 == 0 ? "m1" : "m2", 0.000001m * i, at: Records.Noon.AddSeconds(i))).ToList();
        await store.InsertAsync(records, None).WaitAsync(TimeSpan.FromSeconds(30));
        await store.InsertAsync(records, None).WaitAsync(TimeSpan.FromSeconds(30));
        await new ClickHouseMigrator(ClickHouseConnection.CreateClient(clickHouse.Server.ConnectionString), Microsoft.Extensions.Logging.Abstractions.NullLogger<ClickHouseMigrator>.Instance)
            .MigrateAsync(store.Database, TimeSpan.FromSeconds(10), None).WaitAsync(TimeSpan.FromSeconds(30));

        var rollUp = await clickHouse.Server.QueryAsync(
            $"SELECT tenant_id, resource, sum(events), toString(sum(cost_usd)) FROM {store.Database}.{ClickHouseSchema.HourlyTable} GROUP BY tenant_id, resource ORDER BY tenant_id, resource FORMAT TSV").WaitAsync(TimeSpan.FromSeconds(30));
        var expected = string.Concat(records.GroupBy(r => (r.TenantId, r.Resource)).OrderBy(g => g.Key.TenantId, StringComparer.Ordinal).ThenBy(g => g.Key.Resource, StringComparer.Ordinal)
            .Select(g => $"{g.Key.TenantId}\t{g.Key.Resource}\t{g.Count()}\t{g.Sum(r => r.CostUsd):0.000000000}\n"));

        Assert.Equal(expected, rollUp);
        Assert.Equal((200L, 200L), await store.CountAsync(None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task<ClickHouseUsageStore> StoreAsync()
    {
        var (client, database) = await clickHouse.NewDatabaseAsync();
        return new ClickHouseUsageStore(client, database, TimeProvider.System);
    }

    private async Task InsertRawAsync(ClickHouseUsageStore store, UsageRecord record)
    {
        using var client = ClickHouseConnection.CreateClient(clickHouse.Server.ConnectionString);
        var output = new ArrayBufferWriter<byte>();
        UsageRowBinary.Write(record, DateTime.UtcNow, output);
        using var rows = new MemoryStream(output.WrittenMemory.ToArray());
        using var response = await client.InsertRawStreamAsync($"{store.Database}.{UsageSql.Table}", rows, "RowBinary", ClickHouseSchema.Columns, false, null, None)
            .WaitAsync(TimeSpan.FromSeconds(30));
    }
}
