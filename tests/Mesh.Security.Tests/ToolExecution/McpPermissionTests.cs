using System.Text.Json;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;
using ModelContextProtocol.Client;

namespace Mesh.Security.Tests.ToolExecution;

/// <summary>
/// MCP tools under identity: per-tool permissions (<c>tool:&lt;server&gt;/&lt;tool&gt;#invoker</c>) and
/// credential scopes apply to them as to any tool, over gRPC and over Mesh's own MCP endpoint;
/// a tenant never sees or calls another tenant's MCP servers.
/// </summary>
public sealed class McpPermissionTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private McpServers.McpServersClient Servers => new(mesh.Channel("tools"));

    private async Task<string> AddEverythingAsync(string adminKey)
    {
        var name = $"ev-{Guid.NewGuid():N}"[..16];
        await Servers.AddMcpServerAsync(new AddMcpServerRequest { Name = name, Stdio = new McpStdio { Command = { "mcp-server-everything" } } },
            TestCalls.As(adminKey, timeout: TimeSpan.FromSeconds(60)));
        return name;
    }

    private Task<InvokeToolResponse> CallAsync(string credential, string tool, object arguments) =>
        mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest { Tool = tool, ArgumentsJson = JsonSerializer.Serialize(arguments) },
            TestCalls.As(credential, timeout: TimeSpan.FromSeconds(60))).ResponseAsync;

    [Fact]
    public async Task InvokeTool_AgentTokenScopedToOneMcpTool_OtherToolsOfTheServerRefused()
    {
        var (_, admin) = await mesh.CreateTenantAsync("mcp-scope");
        var server = await AddEverythingAsync(admin);
        var token = (await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { $"{server}/echo" } },
        }, TestCalls.As(admin))).Token;

        await CallAsync(token, $"{server}/echo", new { message = "allowed" });
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(token, $"{server}/get-sum", new { a = 1, b = 2 }));
        var listed = await mesh.ToolsClient.ListToolsAsync(new ListToolsRequest(), TestCalls.As(token));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"tool:{server}/get-sum", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([$"{server}/echo"], listed.Tools.Select(t => t.Name));
    }

    [Fact]
    public async Task InvokeTool_McpToolRestrictedByARelation_OnlyTheNamedUserMayCallIt()
    {
        var (_, admin) = await mesh.CreateTenantAsync("mcp-rel");
        var server = await AddEverythingAsync(admin);
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var (_, dave) = await mesh.CreateUserAsync(admin, "dave");
        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = $"tool:{server}/get-sum", Relation_ = "invoker", Subject = "user:carol" } },
        }, TestCalls.As(admin));

        var allowed = await CallAsync(carol, $"{server}/get-sum", new { a = 1, b = 2 });
        var denied = await Assert.ThrowsAsync<RpcException>(() => CallAsync(dave, $"{server}/get-sum", new { a = 1, b = 2 }));
        var otherTool = await CallAsync(dave, $"{server}/echo", new { message = "open" });

        Assert.Contains("3", allowed.ResultJson, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains($"tool:{server}/get-sum#invoker", denied.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("open", otherTool.ResultJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpServers_AnotherTenant_NeitherSeesCallsNorRemovesThem()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("mcp-a");
        var (_, adminB) = await mesh.CreateTenantAsync("mcp-b");
        var server = await AddEverythingAsync(adminA);

        var servers = await Servers.ListMcpServersAsync(new ListMcpServersRequest(), TestCalls.As(adminB));
        var call = await Assert.ThrowsAsync<RpcException>(() => CallAsync(adminB, $"{server}/echo", new { message = "x" }));
        var remove = await Assert.ThrowsAsync<RpcException>(() => Servers.RemoveMcpServerAsync(new RemoveMcpServerRequest { Name = server }, TestCalls.As(adminB)).ResponseAsync);

        Assert.Empty(servers.Servers);
        Assert.Equal(StatusCode.NotFound, call.StatusCode);
        Assert.Equal(StatusCode.NotFound, remove.StatusCode);
    }

    [Fact]
    public async Task AddMcpServer_TenantMember_PermissionDenied()
    {
        var (_, admin) = await mesh.CreateTenantAsync("mcp-member");
        var (_, member) = await mesh.CreateUserAsync(admin, "mallory");

        var error = await Assert.ThrowsAsync<RpcException>(() => Servers.AddMcpServerAsync(
            new AddMcpServerRequest { Name = "mine", Stdio = new McpStdio { Command = { "mcp-server-everything" } } }, TestCalls.As(member)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task MeshMcpEndpoint_AgentToken_ListsAndCallsOnlyItsScope()
    {
        var (_, admin) = await mesh.CreateTenantAsync("mcp-endpoint");
        var token = (await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "calculator" } },
        }, TestCalls.As(admin))).Token;
        var http = new HttpClient(mesh.Tools.Server.CreateHandler()) { BaseAddress = mesh.Tools.Server.BaseAddress };
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(mesh.Tools.Server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }, http, ownsHttpClient: true), new McpClientOptions { DiscoverProbeTimeout = Timeout.InfiniteTimeSpan });

        var tools = await client.ListToolsAsync();
        var sum = await client.CallToolAsync("calculator", new Dictionary<string, object?> { ["expression"] = "2+2" });
        var clock = await client.CallToolAsync("clock", new Dictionary<string, object?>());

        Assert.Equal(["calculator"], tools.Select(t => t.Name));
        Assert.NotEqual(true, sum.IsError);
        Assert.True(clock.IsError);
        Assert.Contains("PermissionDenied", ((ModelContextProtocol.Protocol.TextContentBlock)clock.Content[0]).Text, StringComparison.Ordinal);
    }
}
