using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;

namespace Mesh.Security.Tests.ToolExecution;

/// <summary>Only a tenant's admins, with credentials of their own, change the tenant's tools.</summary>
public sealed class ToolAdministrationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private static RegisterToolRequest Tool(string name) => new()
    {
        Name = name,
        Process = new ProcessRuntime { Command = { "/bin/cat" } },
    };

    [Fact]
    public async Task RegisterTool_TenantMember_PermissionDeniedNamingTheAdminRelation()
    {
        var (tenant, admin) = await mesh.CreateTenantAsync("member");
        var (_, member) = await mesh.CreateUserAsync(admin, "mallory");

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.RegisterToolAsync(Tool("mine"), TestCalls.As(member)).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.DeleteToolAsync(new DeleteToolRequest { Name = "mine" }, TestCalls.As(member)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"tenant:{tenant}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, delete.StatusCode);
    }

    [Fact]
    public async Task SetHttpAllowList_TenantMemberOrAgentToken_PermissionDeniedWhileTheAdminMay()
    {
        var (_, admin) = await mesh.CreateTenantAsync("egress");
        var (_, member) = await mesh.CreateUserAsync(admin, "mallory");
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Actor = "bot" }, TestCalls.As(admin));
        var list = new HttpAllowList { Hosts = { "10.0.0.5" } };

        var byMember = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.SetHttpAllowListAsync(list, TestCalls.As(member)).ResponseAsync);
        var byToken = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.SetHttpAllowListAsync(list, TestCalls.As(token.Token)).ResponseAsync);
        await mesh.ToolsClient.SetHttpAllowListAsync(new HttpAllowList { Hosts = { "api.example.com" } }, TestCalls.As(admin));
        var seen = await mesh.ToolsClient.GetHttpAllowListAsync(new GetHttpAllowListRequest(), TestCalls.As(member));

        Assert.Equal(StatusCode.PermissionDenied, byMember.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, byToken.StatusCode);
        Assert.Equal(["api.example.com"], seen.Hosts);
    }

    [Fact]
    public async Task RegisterTool_AdminsScopedKeyOrAgentToken_PermissionDenied()
    {
        var (_, admin) = await mesh.CreateTenantAsync("delegated");
        var scoped = await mesh.IdentityClient.CreateApiKeyAsync(new CreateApiKeyRequest { Scope = new CredentialScope { Tools = { "calculator" } } }, TestCalls.As(admin));
        await mesh.IdentityClient.CreatePrincipalAsync(new CreatePrincipalRequest { Id = "bot", Kind = "agent" }, TestCalls.As(admin));
        var token = await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest { Actor = "bot" }, TestCalls.As(admin));

        var byKey = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.RegisterToolAsync(Tool("viakey"), TestCalls.As(scoped.ApiKey)).ResponseAsync);
        var byToken = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.RegisterToolAsync(Tool("viatoken"), TestCalls.As(token.Token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, byKey.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, byToken.StatusCode);
    }

    [Fact]
    public async Task ListTools_PricesFromTelemetrysPriceList()
    {
        var (_, admin) = await mesh.CreateTenantAsync("prices");

        var tools = (await mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As(admin))).Tools;

        var calculator = Assert.Single(tools, t => t.Name == "calculator");
        Assert.Equal(("calculator", "0.0001"), (calculator.Price.PriceClass, calculator.Price.PerCallUsd));
        Assert.False(string.IsNullOrEmpty(calculator.Price.PriceListVersion));
    }
}
