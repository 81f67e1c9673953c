using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests;

/// <summary>Tenant A can neither read, run nor see the costs of tenant B, and messages leak nothing of B.</summary>
public sealed class TenantIsolationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task GetUsage_OtherTenantsCosts_PermissionDeniedWithoutTheirData()
    {
        var (a, adminA) = await mesh.CreateTenantAsync("a");
        var (b, _) = await mesh.CreateTenantAsync("b");
        var ingest = new UsageIngest.UsageIngestClient(mesh.Channel("telemetry"));
        await ingest.PublishAsync(new PublishRequest { Events = { Event(b, "secret-run"), Event(a, "own-run") } }, TestCalls.As(TestKeys.Admin));
        var analytics = new Analytics.AnalyticsClient(mesh.Channel("telemetry"));

        var error = await Assert.ThrowsAsync<RpcException>(() => analytics.GetUsageAsync(new UsageQuery { TenantId = b }, TestCalls.As(adminA)).ResponseAsync);
        var own = await analytics.GetUsageAsync(new UsageQuery { GroupBy = { Dimension.Tenant, Dimension.Run } }, TestCalls.As(adminA));
        var spoofed = await analytics.GetUsageAsync(new UsageQuery { GroupBy = { Dimension.Run } }, TestCalls.As(adminA, tenant: b));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.DoesNotContain("secret-run", error.Status.Detail, StringComparison.Ordinal);
        Assert.All(own.Rows, r => Assert.Equal(a, r.Keys[0]));
        Assert.DoesNotContain(own.Rows.Concat(spoofed.Rows), r => r.Keys.Contains("secret-run"));
    }

    [Fact]
    public async Task WriteRelations_AdminOfAActingWithTenantHeaderOfB_WritesOnlyInA()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("a");
        var (b, adminB) = await mesh.CreateTenantAsync("b");
        var (_, userB) = await mesh.CreateUserAsync(adminB, "bob");

        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calculator", Relation_ = "invoker", Subject = "user:nobody" } },
        }, TestCalls.As(adminA, tenant: b));
        var response = await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"1+1\"}" }, TestCalls.As(userB));

        Assert.Contains("\"value\":2", response.ResultJson.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_RestrictedInTenantB_OnlyBsMembersAreRefused()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("a");
        var (_, adminB) = await mesh.CreateTenantAsync("b");
        var (_, userA) = await mesh.CreateUserAsync(adminA, "alice");
        var (_, userB) = await mesh.CreateUserAsync(adminB, "bob");
        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calculator", Relation_ = "invoker", Subject = "user:carol" } },
        }, TestCalls.As(adminB));
        var request = new InvokeToolRequest { Tool = "calculator", ArgumentsJson = "{\"expression\":\"2*3\"}" };

        await mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(userA));
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(request, TestCalls.As(userB)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("tool:calculator#invoker", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdentityReads_OtherTenantsKeysAndBudgets_NeitherListedNorRevocable()
    {
        var (a, adminA) = await mesh.CreateTenantAsync("a");
        var (b, adminB) = await mesh.CreateTenantAsync("b");
        await mesh.BudgetsClient.SetBudgetAsync(new SetBudgetRequest { CostLimitUsd = "5" }, TestCalls.As(adminB));
        var (keyIdB, _) = await mesh.CreateUserAsync(adminB, "bob");

        var budgets = await mesh.BudgetsClient.ListBudgetsAsync(new ListBudgetsRequest(), TestCalls.As(adminA));
        var keys = await mesh.IdentityClient.ListApiKeysAsync(new ListApiKeysRequest(), TestCalls.As(adminA));
        var revoke = await Assert.ThrowsAsync<RpcException>(() => mesh.IdentityClient.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyIdB }, TestCalls.As(adminA)).ResponseAsync);
        var tenants = await mesh.IdentityClient.ListTenantsAsync(new ListTenantsRequest(), TestCalls.As(adminA));

        Assert.Empty(budgets.Budgets);
        Assert.All(keys.Keys, k => Assert.Equal(a, k.TenantId));
        Assert.Equal(StatusCode.NotFound, revoke.StatusCode);
        Assert.DoesNotContain(b, revoke.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([a], tenants.Tenants.Select(t => t.Id));
    }

    private static UsageEvent Event(string tenant, string run) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
        TenantId = tenant,
        PrincipalId = "someone",
        RunId = run,
        Service = "tools",
        Kind = UsageKind.ToolCall,
        Resource = "calculator",
        Status = UsageStatus.Ok,
        BatchSize = 1,
    };
}
