using DuckDB.NET.Data;
using Mesh.Pricing;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry.Tests.Pricing;

/// <summary>The price lists shipped in mesh-prices.json, as a fresh and an upgraded store take them.</summary>
public sealed class ShippedPriceListsTests
{
    private const string FirstList = "2026-11-01";
    private const string ToolsList = "2026-12-06";

    // A day after the tools list took effect, and a day in the first list's time.
    private static readonly DateTime Now = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Before = Events.Noon;

    private static UsageEvent McpCall(DateTime at)
    {
        var call = Events.ToolCall(tool: "everything/echo", at: at);
        call.Attributes[PriceCatalog.PriceClassAttribute] = "mcp";
        return call;
    }

    private static UsageEvent PythonRun(DateTime at)
    {
        var run = Events.ToolCall(tool: "python", at: at);
        run.Attributes[PriceCatalog.PriceClassAttribute] = "sandbox";
        run.ComputeMs = 200;
        return run;
    }

    [Fact]
    public async Task Start_StoreHoldingOnlyTheFirstList_GainsTheToolsListAndPricesToolCallsAtIt()
    {
        using var database = new TempDatabase();
        // The store as a release that shipped only the first list left it.
        using (var old = new TelemetryHost(new DateTimeOffset(Now), database: database,
            services: s => s.PostConfigure<PricingOptions>(o => o.Lists.Remove(ToolsList))))
        {
            var lists = await old.Prices.ListPriceListsAsync(new ListPriceListsRequest(), TestCalls.As(TestKeys.Admin)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal([FirstList], lists.Lists.Select(l => l.Version));
        }

        using var upgraded = new TelemetryHost(new DateTimeOffset(Now), database: database);
        var mcp = McpCall(Now);
        var python = PythonRun(Now);
        await upgraded.Ingest.PublishAsync(new PublishRequest { Events = { mcp, python } }, TestCalls.As(TestKeys.Admin)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((0.00005m, ToolsList), ReadRow(upgraded, mcp.EventId));
        // 1e-5 per call + 0.2 s at 5e-5 per CPU-second.
        Assert.Equal((0.00002m, ToolsList), ReadRow(upgraded, python.EventId));
        var inForce = await upgraded.Prices.GetPriceListAsync(new GetPriceListRequest(), TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ToolsList, inForce.Version);
    }

    [Fact]
    public async Task Publish_FreshStore_PricesEvenEarlierEventsByTheListInForceWhenTheStoreBegan()
    {
        using var host = new TelemetryHost(new DateTimeOffset(Now));
        var early = McpCall(Before);
        var late = McpCall(Now);
        var earlyEmbedding = Events.Embedding(at: Before);

        await host.Ingest.PublishAsync(new PublishRequest { Events = { early, late, earlyEmbedding } }, TestCalls.As(TestKeys.Admin)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));

        // The store never billed under the first list: its history is priced at the list it began with.
        Assert.Equal((0.00005m, ToolsList), ReadRow(host, early.EventId));
        Assert.Equal((0.00005m, ToolsList), ReadRow(host, late.EventId));
        Assert.Equal((0.00000774m, ToolsList), ReadRow(host, earlyEmbedding.EventId));
    }

    [Fact]
    public async Task ListPriceLists_FreshStore_HoldsTheListInForceFromTheBeginningAndLaterListsAtTheirDates()
    {
        const string Rise = "2027-02-01";
        var rise = new PriceListOptions { EffectiveFrom = new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero) };
        rise.Resources["tiny-gpt"] = new Mesh.Pricing.ResourcePrice { OutputPerMillionTokens = 0.3m };
        using var host = new TelemetryHost(new DateTimeOffset(Now), services: s => s.PostConfigure<PricingOptions>(o => o.Lists[Rise] = rise));

        var lists = await host.Prices.ListPriceListsAsync(new ListPriceListsRequest(), TestCalls.As(TestKeys.Acme)).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([ToolsList, Rise], lists.Lists.Select(l => l.Version));
        Assert.Equal(DateTime.UnixEpoch, lists.Lists[0].EffectiveFrom.ToDateTime());
        Assert.Equal(new DateTime(2027, 2, 1, 0, 0, 0, DateTimeKind.Utc), lists.Lists[1].EffectiveFrom.ToDateTime());
        Assert.Superset(new HashSet<string> { "all-MiniLM-L6-v2", "tiny-gpt", "sandbox", "mcp", "http", "usage_sql", "tool-replay" },
            new HashSet<string>(lists.Lists[0].Prices.Select(p => p.Resource)));
    }

    private static (decimal Cost, string PriceVersion) ReadRow(TelemetryHost host, string eventId)
    {
        var path = host.Services.GetRequiredService<DuckDbUsageStore>().Path;
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT cost_usd, price_version FROM usage_events WHERE event_id = $1";
        command.Parameters.Add(new DuckDBParameter(Guid.Parse(eventId)));
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), $"event {eventId} was not stored");
        return (reader.GetDecimal(0), reader.GetString(1));
    }
}
