using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Analytics;

public sealed class AnalyticsServiceTests
{
    private static UsageQuery Window(params Dimension[] groupBy) => new()
    {
        From = Timestamp.FromDateTime(Events.Noon.AddHours(-1)),
        To = Timestamp.FromDateTime(Events.Noon.AddHours(1)),
        GroupBy = { groupBy },
    };

    private static async Task PublishAsync(TelemetryHost host, params UsageEvent[] events)
    {
        var response = await host.Ingest.PublishAsync(new PublishRequest { Events = { events } }, TestCalls.As(TestKeys.Admin));
        Assert.Equal(events.Length, response.Stored);
    }

    private static Task SeedTwoTenantsAsync(TelemetryHost host) => PublishAsync(
        host,
        Events.Embedding("acme", inputTokens: 137),
        Events.Embedding("acme", inputTokens: 63),
        Events.ToolCall("acme", "calculator"),
        Events.ToolCall("acme", "calculator", UsageStatus.Error),
        Events.ToolCall("globex", "knowledge-search"));

    [Fact]
    public async Task GetUsage_GroupedByTenantAndResource_ReturnsExactSumsAndCost()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var report = await host.Analytics.GetUsageAsync(Window(Dimension.Tenant, Dimension.Resource), TestCalls.As(TestKeys.Admin));

        Assert.Equal([Dimension.Tenant, Dimension.Resource], report.GroupBy);
        Assert.Equal(3, report.Rows.Count);
        var calculator = report.Rows[0];
        Assert.Equal(["acme", "calculator"], calculator.Keys);
        Assert.Equal(2, calculator.Events);
        Assert.Equal("0.000200000", calculator.CostUsd);
        Assert.Equal(1, calculator.Errors);
        Assert.Equal(["globex", "knowledge-search"], report.Rows[1].Keys);
        Assert.Equal("0.000050000", report.Rows[1].CostUsd);
        var miniLm = report.Rows[2];
        Assert.Equal(["acme", "all-MiniLM-L6-v2"], miniLm.Keys);
        Assert.Equal(200, miniLm.InputTokens);
        Assert.Equal(100.0, miniLm.ComputeMs);
        // 200 tokens at 0.02/M = 0.000004, plus 2 x 50 ms at 0.0001 per second = 0.00001.
        Assert.Equal("0.000014000", miniLm.CostUsd);
        Assert.Equal(5, report.Total.Events);
        Assert.Equal("0.000264000", report.Total.CostUsd);
        Assert.Equal(1, report.Total.Errors);
        Assert.Empty(report.Total.Keys);
    }

    [Fact]
    public async Task GetUsage_AdminActingInATenant_SeesThatTenantUnlessTheQueryNamesAnother()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var acting = await host.Analytics.GetUsageAsync(Window(Dimension.Tenant), TestCalls.As(TestKeys.Admin, tenant: "globex"));
        var named = await host.Analytics.GetUsageAsync(
            new UsageQuery(Window(Dimension.Tenant)) { TenantId = "acme" }, TestCalls.As(TestKeys.Admin, tenant: "globex"));
        var everyone = await host.Analytics.GetUsageAsync(Window(Dimension.Tenant), TestCalls.As(TestKeys.Admin));

        Assert.Equal(["globex"], acting.Rows.Select(r => r.Keys[0]));
        Assert.Equal(["acme"], named.Rows.Select(r => r.Keys[0]));
        Assert.Equal(["acme", "globex"], everyone.Rows.Select(r => r.Keys[0]).Order());
    }

    [Fact]
    public async Task GetUsage_AcmeKey_SeesOnlyAcmeRows()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var report = await host.Analytics.GetUsageAsync(Window(Dimension.Tenant), TestCalls.As(TestKeys.Acme));
        var explicitTenant = await host.Analytics.GetUsageAsync(
            new UsageQuery(Window(Dimension.Tenant)) { TenantId = "acme" }, TestCalls.As(TestKeys.Acme));

        var row = Assert.Single(report.Rows);
        Assert.Equal(["acme"], row.Keys);
        Assert.Equal(4, report.Total.Events);
        Assert.Equal(report.Total, explicitTenant.Total);
    }

    [Theory]
    [InlineData("globex")]
    [InlineData("no-such-tenant")]
    public async Task GetUsage_AcmeAsksForAnotherTenant_PermissionDeniedWithoutRevealingIt(string tenant)
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Analytics.GetUsageAsync(new UsageQuery(Window()) { TenantId = tenant }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.DoesNotContain(tenant, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetUsage_AdminFilteringByTenant_SeesThatTenantOnly()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var report = await host.Analytics.GetUsageAsync(new UsageQuery(Window()) { TenantId = "globex" }, TestCalls.As(TestKeys.Admin));

        Assert.Equal(1, report.Total.Events);
        Assert.Equal("0.000050000", report.Total.CostUsd);
    }

    [Fact]
    public async Task GetUsage_TimeWindow_ExcludesEventsOutsideIt()
    {
        using var host = new TelemetryHost();
        await PublishAsync(
            host,
            Events.ToolCall(at: Events.Noon),
            Events.ToolCall(at: Events.Noon.AddHours(-1)),         // the inclusive start
            Events.ToolCall(at: Events.Noon.AddHours(1)),          // the exclusive end
            Events.ToolCall(at: Events.Noon.AddDays(-3)));

        var report = await host.Analytics.GetUsageAsync(Window(), TestCalls.As(TestKeys.Admin));

        Assert.Equal(2, report.Total.Events);
        Assert.Equal(Window().From, report.From);
        Assert.Equal(Window().To, report.To);
    }

    [Fact]
    public async Task GetUsage_NoWindow_DefaultsToTheLast24Hours()
    {
        var now = new DateTimeOffset(Events.Noon);
        using var host = new TelemetryHost(now);
        await PublishAsync(
            host,
            Events.ToolCall(at: Events.Noon.AddHours(-23)),
            Events.ToolCall(at: Events.Noon.AddHours(-25)),
            Events.ToolCall(at: Events.Noon.AddMinutes(1)));

        var report = await host.Analytics.GetUsageAsync(new UsageQuery(), TestCalls.As(TestKeys.Admin));

        Assert.Equal(1, report.Total.Events);
        Assert.Equal(Timestamp.FromDateTimeOffset(now), report.To);
        Assert.Equal(Timestamp.FromDateTimeOffset(now.AddHours(-24)), report.From);
    }

    [Fact]
    public async Task GetUsage_Limit_ReturnsTheCostliestRowsAndTotalOverAll()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var report = await host.Analytics.GetUsageAsync(new UsageQuery(Window(Dimension.Resource)) { Limit = 1 }, TestCalls.As(TestKeys.Admin));

        var row = Assert.Single(report.Rows);
        Assert.Equal(["calculator"], row.Keys);
        Assert.Equal(5, report.Total.Events);
    }

    [Fact]
    public async Task GetUsage_FilterByKindAndAgent_MatchesOnlyThose()
    {
        using var host = new TelemetryHost();
        await SeedTwoTenantsAsync(host);

        var byKind = await host.Analytics.GetUsageAsync(
            new UsageQuery(Window(Dimension.Kind)) { Kind = UsageKind.ToolCall }, TestCalls.As(TestKeys.Admin));
        var byAgentAndRun = await host.Analytics.GetUsageAsync(
            new UsageQuery(Window(Dimension.Status)) { AgentId = "assistant", RunId = "run-1", Resource = "calculator" }, TestCalls.As(TestKeys.Admin));

        Assert.Equal(["tool_call"], Assert.Single(byKind.Rows).Keys);
        Assert.Equal(3, byKind.Total.Events);
        Assert.Equal([["error"], ["ok"]], byAgentAndRun.Rows.Select(r => r.Keys.ToArray()).OrderBy(k => k[0]));
    }

    public static TheoryData<UsageQuery, string> BadQueries => new()
    {
        { new UsageQuery(Window()) { From = Window().To }, "from" },
        { new UsageQuery(Window()) { From = Timestamp.FromDateTime(Events.Noon.AddHours(2)) }, "from" },
        { new UsageQuery(Window()) { GroupBy = { Dimension.Unspecified } }, "group_by" },
        { new UsageQuery(Window()) { GroupBy = { Dimension.Tenant, Dimension.Resource, Dimension.Tenant } }, "group_by" },
        { new UsageQuery(Window()) { GroupBy = { (Dimension)42 } }, "group_by" },
        { new UsageQuery(Window()) { Limit = 10_001 }, "limit" },
        { new UsageQuery(Window()) { Limit = -1 }, "limit" },
        { new UsageQuery(Window()) { Kind = (UsageKind)42 }, "kind" },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task GetUsage_BadQuery_InvalidArgumentNamingTheField(UsageQuery query, string field)
    {
        using var host = new TelemetryHost();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            host.Analytics.GetUsageAsync(query, TestCalls.As(TestKeys.Admin)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }
}
