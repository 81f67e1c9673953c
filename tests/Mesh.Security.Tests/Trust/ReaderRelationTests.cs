using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Security.Tests.Trust;

/// <summary>
/// Who may read a tenant's numbers: every analytics read needs <c>analytics:usage#reader</c> and
/// the VRIO reads <c>analytics:vrio#reader</c>, open to members until a tenant admin restricts them.
/// </summary>
public sealed class ReaderRelationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task AnalyticsReads_ReaderRestrictedToAnother_EveryReadPermissionDeniedForMembersAndAllowedForTheReader()
    {
        var (_, admin) = await mesh.CreateTenantAsync("readers");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var (_, dave) = await mesh.CreateUserAsync(admin, "dave");
        var analytics = new Analytics.AnalyticsClient(mesh.Channel("telemetry"));
        var prices = new Prices.PricesClient(mesh.Channel("telemetry"));
        var before = await analytics.GetUsageAsync(new UsageQuery(), TestCalls.As(dave));

        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "analytics:usage", Relation_ = "reader", Subject = "user:carol" } },
        }, TestCalls.As(admin));
        Func<Task>[] reads =
        [
            () => analytics.GetUsageAsync(new UsageQuery(), TestCalls.As(dave)).ResponseAsync,
            () => analytics.GetMetricsAsync(new MetricsQuery(), TestCalls.As(dave)).ResponseAsync,
            () => analytics.GetLedgerAsync(new LedgerQuery(), TestCalls.As(dave)).ResponseAsync,
            () => analytics.QuerySqlAsync(new SqlQuery { Sql = "SELECT 1" }, TestCalls.As(dave)).ResponseAsync,
            () => analytics.GetForecastAsync(new ForecastQuery(), TestCalls.As(dave)).ResponseAsync,
            () => prices.ReplayCostAsync(new ReplayRequest(), TestCalls.As(dave)).ResponseAsync,
            async () =>
            {
                using var export = analytics.ExportFocus(new FocusExportRequest(), TestCalls.As(dave));
                await export.ResponseStream.MoveNext(CancellationToken.None);
            },
        ];
        var refusals = new List<RpcException>();
        foreach (var read in reads)
        {
            refusals.Add(await Assert.ThrowsAsync<RpcException>(read));
        }

        var allowed = await analytics.GetUsageAsync(new UsageQuery(), TestCalls.As(carol));

        Assert.NotNull(before.Total);
        Assert.All(refusals, r => Assert.Equal(StatusCode.PermissionDenied, r.StatusCode));
        Assert.All(refusals, r => Assert.Contains("reader", r.Status.Detail, StringComparison.Ordinal));
        Assert.NotNull(allowed.Total);
    }

    [Fact]
    public async Task VrioReads_ReaderRestrictedToAnother_PermissionDeniedForMembersAndAllowedForTheReader()
    {
        var (_, admin) = await mesh.CreateTenantAsync("vrio-readers");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var (_, dave) = await mesh.CreateUserAsync(admin, "dave");
        var vrio = new Vrio.VrioClient(mesh.Channel("telemetry"));

        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "analytics:vrio", Relation_ = "reader", Subject = "user:carol" } },
        }, TestCalls.As(admin));
        var report = await Assert.ThrowsAsync<RpcException>(() => vrio.GetReportAsync(new VrioReportRequest(), TestCalls.As(dave)).ResponseAsync);
        var list = await Assert.ThrowsAsync<RpcException>(() => vrio.ListCapabilitiesAsync(new ListCapabilitiesRequest(), TestCalls.As(dave)).ResponseAsync);
        var usage = await new Analytics.AnalyticsClient(mesh.Channel("telemetry")).GetUsageAsync(new UsageQuery(), TestCalls.As(dave));
        var capabilities = await vrio.ListCapabilitiesAsync(new ListCapabilitiesRequest(), TestCalls.As(carol));

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied), (report.StatusCode, list.StatusCode));
        Assert.NotNull(usage.Total);
        Assert.NotNull(capabilities);
    }
}
