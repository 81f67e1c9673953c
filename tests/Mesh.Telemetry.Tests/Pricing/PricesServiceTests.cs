using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PricesServiceTests
{
    private static readonly DateTime Noon = Events.Noon;

    private static PriceList Doubled(string version = "2026-03-01-noon", DateTime? from = null) => new()
    {
        Version = version,
        EffectiveFrom = Timestamp.FromDateTime(from ?? Noon),
        Description = "MiniLM at twice the price",
        Prices =
        {
            new ResourcePrice { Resource = "all-MiniLM-L6-v2", InputPerMillionTokens = "0.04", PerComputeSecond = "0.0002" },
            new ResourcePrice { Resource = "tiny-gpt", InputPerMillionTokens = "0.05", OutputPerMillionTokens = "0.2" },
        },
    };

    private static async Task<string> CostAsync(TelemetryHost host, DateTime from, DateTime to)
    {
        var report = await host.Analytics.GetUsageAsync(
            new UsageQuery { From = Timestamp.FromDateTime(from), To = Timestamp.FromDateTime(to) }, TestCalls.As(TestKeys.Admin));
        return report.Total.CostUsd;
    }

    [Fact]
    public async Task AddPriceList_EventsEitherSideOfItsEffectiveTime_ArePricedByTheListInForceWhenTheyOccurred()
    {
        using var host = new TelemetryHost();
        var added = await host.Prices.AddPriceListAsync(Doubled(), TestCalls.As(TestKeys.Admin));
        var before = Events.Embedding(at: Noon.AddHours(-1));
        var after = Events.Embedding(at: Noon.AddHours(1));

        await host.Ingest.PublishAsync(new PublishRequest { Events = { before, after } }, TestCalls.As(TestKeys.Admin));

        // 137 tokens at 0.02/M + 50 ms at 0.0001/s, then at twice both.
        Assert.Equal("0.000007740", await CostAsync(host, Noon.AddHours(-2), Noon));
        Assert.Equal("0.000015480", await CostAsync(host, Noon, Noon.AddHours(2)));
        Assert.Equal("user:bootstrap-admin", added.CreatedBy);
        Assert.Equal("0.04", added.Prices.Single(p => p.Resource == "all-MiniLM-L6-v2").CachedPerMillionTokens);
        var lists = await host.Prices.ListPriceListsAsync(new ListPriceListsRequest(), TestCalls.As(TestKeys.Acme));
        Assert.Equal(["2026-12-06", "2026-03-01-noon"], lists.Lists.Select(l => l.Version));
        Assert.Equal(Timestamp.FromDateTime(Noon), lists.Lists[0].EffectiveUntil);
    }

    [Fact]
    public async Task GetPriceList_NoArguments_IsTheListInForceNow()
    {
        using var host = new TelemetryHost(new DateTimeOffset(Noon.AddMinutes(30)));
        await host.Prices.AddPriceListAsync(Doubled(), TestCalls.As(TestKeys.Admin));
        await host.Prices.AddPriceListAsync(Doubled("tomorrow", Noon.AddDays(1)), TestCalls.As(TestKeys.Admin));

        var now = await host.Prices.GetPriceListAsync(new GetPriceListRequest(), TestCalls.As(TestKeys.Acme));
        var before = await host.Prices.GetPriceListAsync(new GetPriceListRequest { At = Timestamp.FromDateTime(Noon.AddSeconds(-1)) }, TestCalls.As(TestKeys.Acme));

        Assert.Equal("2026-03-01-noon", now.Version);
        Assert.Equal("2026-11-01", before.Version);
    }

    [Fact]
    public async Task AddPriceList_OverlappingNegativeOrNotAdmin_IsRefusedAndNothingIsStored()
    {
        using var host = new TelemetryHost();
        await host.Prices.AddPriceListAsync(Doubled(), TestCalls.As(TestKeys.Admin));
        var overlapping = Doubled("other-version");
        overlapping.Prices[0].PerCall = "-0.5";

        var invalid = await Assert.ThrowsAsync<RpcException>(() => host.Prices.AddPriceListAsync(overlapping, TestCalls.As(TestKeys.Admin)).ResponseAsync);
        var denied = await Assert.ThrowsAsync<RpcException>(() => host.Prices.AddPriceListAsync(Doubled("x", Noon.AddDays(2)), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("overlap", invalid.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("prices[0].per_call", invalid.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var lists = await host.Prices.ListPriceListsAsync(new ListPriceListsRequest(), TestCalls.As(TestKeys.Admin));
        Assert.Equal(["2026-12-06", "2026-03-01-noon"], lists.Lists.Select(l => l.Version));
    }

    [Fact]
    public async Task ReplayCost_UnderALaterListAndWithASubstitutedModel_ShowsTheDifferencePerTenant()
    {
        using var host = new TelemetryHost();
        await host.Prices.AddPriceListAsync(Doubled(), TestCalls.As(TestKeys.Admin));
        await host.Ingest.PublishAsync(new PublishRequest
        {
            Events = { Events.Embedding("acme", at: Noon.AddHours(-1)), Events.Embedding("acme", at: Noon.AddHours(1)), Events.Embedding("globex", at: Noon.AddHours(-1)) },
        }, TestCalls.As(TestKeys.Admin));
        var window = new ReplayRequest { From = Timestamp.FromDateTime(Noon.AddHours(-2)), To = Timestamp.FromDateTime(Noon.AddHours(2)) };

        var underNewList = await host.Prices.ReplayCostAsync(new ReplayRequest(window) { PriceListVersion = "2026-03-01-noon" }, TestCalls.As(TestKeys.Admin));
        var substituted = await host.Prices.ReplayCostAsync(new ReplayRequest(window) { Substitutions = { new ModelSubstitution { From = "all-MiniLM-L6-v2", To = "tiny-gpt" } } }, TestCalls.As(TestKeys.Acme));

        var acme = underNewList.Rows.Single(r => r.Keys[0] == "acme");
        Assert.Equal("0.000023220", acme.BaselineUsd);
        Assert.Equal("0.000030960", acme.ScenarioUsd);
        Assert.Equal("0.000007740", acme.DifferenceUsd);
        Assert.Equal(acme.BilledUsd, acme.BaselineUsd);
        Assert.Equal("0.000030960", underNewList.Total.BaselineUsd);
        // acme only; tiny-gpt: 137 tokens at 0.05/M (+ 50 ms at 0.0001/s before noon, none after).
        var row = Assert.Single(substituted.Rows);
        Assert.Equal("acme", row.Keys[0]);
        Assert.Equal("0.000018700", row.ScenarioUsd);
        Assert.Contains("all-MiniLM-L6-v2 billed as tiny-gpt", substituted.Scenario, StringComparison.Ordinal);
    }
}
