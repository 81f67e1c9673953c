using Grpc.Core;
using Mesh.DevServers;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Tools.Tests.Mcp;

/// <summary>Real MCP servers from npm (server-everything, server-filesystem) as a tenant's tool sources, over stdio and Streamable HTTP.</summary>
public sealed class McpToolSourceTests(McpToolsFactory mesh) : IClassFixture<McpToolsFactory>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task AddMcpServer_EverythingOverStdio_ToolsJoinTheRegistryAndRun()
    {
        var name = Unique("ev");

        var info = await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything", "stdio"), McpToolsFactory.As());
        var listed = await mesh.Tools.ListToolsAsync(new ListToolsRequest(), McpToolsFactory.As());
        var sum = await mesh.CallAsync($"{name}/get-sum", new { a = 2, b = 3.5 });

        Assert.Equal(("stdio", "mcp-server-everything stdio"), (info.Transport, info.Target));
        var echo = Assert.Single(listed.Tools, t => t.Name == $"{name}/echo");
        Assert.Equal(("mcp", $"mcp:{name}", $"tool:{name}/echo#invoker", "mcp"), (echo.Runtime, echo.Source, echo.Permission, echo.Price.PriceClass));
        Assert.Equal(SideEffect.Read, echo.SideEffect);
        Assert.Contains("\"message\"", echo.ArgumentsSchema, StringComparison.Ordinal);
        Assert.Contains("5.5", McpToolsFactory.Text(sum), StringComparison.Ordinal);
        var usage = mesh.Factory.Usage.Events.Last(e => e.Resource == $"{name}/get-sum");
        Assert.Equal((UsageKind.ToolCall, UsageStatus.Ok, "mcp"), (usage.Kind, usage.Status, usage.Attributes["price_class"]));
    }

    [Fact]
    public async Task InvokeTool_McpToolSchemaViolated_InvalidArgumentWithPointerBeforeTheServerIsAsked()
    {
        var name = Unique("schema");
        await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything"), McpToolsFactory.As());

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.CallAsync($"{name}/get-sum", new { a = "two" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("arguments_json/a", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("arguments_json/b: required property missing", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMcpServer_FilesystemOverStdio_WorksInItsOwnWorkspaceAndNowhereElse()
    {
        var name = Unique("fs");
        await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-filesystem", "/workspace"), McpToolsFactory.As());

        await mesh.CallAsync($"{name}/write_file", new { path = "/workspace/notes.md", content = "# hello from mesh" });
        var read = await mesh.CallAsync($"{name}/read_text_file", new { path = "/workspace/notes.md" });
        var outside = await mesh.CallAsync($"{name}/read_text_file", new { path = "/etc/passwd" });

        Assert.Equal("# hello from mesh", McpToolsFactory.Text(read));
        Assert.True(outside.GetProperty("isError").GetBoolean());
        Assert.Contains("outside allowed directories", McpToolsFactory.Text(outside), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AddMcpServer_EverythingOverStreamableHttp_RunsOnceTheHostIsAllowListed()
    {
        await using var server = await LocalMcpServers.StartEverythingHttpAsync();
        var name = Unique("http");
        var request = new AddMcpServerRequest { Name = name, Http = new McpHttp { Url = server.Url.ToString(), Headers = { ["X-Api-Key"] = "secret-value" } } };

        var refused = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(request, McpToolsFactory.As()).ResponseAsync);
        await mesh.Tools.SetHttpAllowListAsync(new HttpAllowList { Hosts = { $"127.0.0.1:{server.Port}" } }, McpToolsFactory.As());
        var info = await mesh.Servers.AddMcpServerAsync(request, McpToolsFactory.As());
        var echo = await mesh.CallAsync($"{name}/echo", new { message = "over http" });

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("allow-list", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("http", info.Transport);
        Assert.DoesNotContain("secret-value", info.ToString(), StringComparison.Ordinal);
        Assert.Contains("over http", McpToolsFactory.Text(echo), StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpServers_AnotherTenants_NeitherListedNorCallableNorRemovable()
    {
        var name = Unique("mine");
        await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything"), McpToolsFactory.As());

        var servers = await mesh.Servers.ListMcpServersAsync(new ListMcpServersRequest(), McpToolsFactory.As(TestKeys.Globex));
        var tools = await mesh.Tools.ListToolsAsync(new ListToolsRequest(), McpToolsFactory.As(TestKeys.Globex));
        var call = await Assert.ThrowsAsync<RpcException>(() => mesh.CallAsync($"{name}/echo", new { message = "x" }, TestKeys.Globex));
        var remove = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.RemoveMcpServerAsync(new RemoveMcpServerRequest { Name = name }, McpToolsFactory.As(TestKeys.Globex)).ResponseAsync);

        Assert.DoesNotContain(servers.Servers, s => s.Name == name);
        Assert.DoesNotContain(tools.Tools, t => t.Name.StartsWith(name, StringComparison.Ordinal));
        Assert.Equal(StatusCode.NotFound, call.StatusCode);
        Assert.Equal(StatusCode.NotFound, remove.StatusCode);
    }

    [Fact]
    public async Task RemoveMcpServer_ToolsGoneAndCallsNotFound()
    {
        var name = Unique("gone");
        await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything"), McpToolsFactory.As());
        await mesh.CallAsync($"{name}/echo", new { message = "x" });

        var removed = await mesh.Servers.RemoveMcpServerAsync(new RemoveMcpServerRequest { Name = name }, McpToolsFactory.As());
        var call = await Assert.ThrowsAsync<RpcException>(() => mesh.CallAsync($"{name}/echo", new { message = "x" }));

        Assert.True(removed.ToolsRemoved > 5);
        Assert.Equal(StatusCode.NotFound, call.StatusCode);
    }

    [Fact]
    public async Task AddMcpServer_CommandThatExitsAtOnce_FailedPreconditionAndNothingRegistered()
    {
        var name = Unique("dies");

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "/bin/sh", "-c", "echo broken config >&2; exit 3"), McpToolsFactory.As()).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"MCP server '{name}' could not be reached", error.Status.Detail, StringComparison.Ordinal);
        await AssertNotRegisteredAsync(name);
    }

    [Fact]
    public async Task AddMcpServer_ServerThatNeverAnswers_DeadlineExceededAtItsConnectTimeoutAndNothingRegistered()
    {
        var name = Unique("mute");
        var request = McpToolsFactory.Stdio(name, "/bin/sleep", "60");
        request.ConnectTimeoutMs = 1500;

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(request, McpToolsFactory.As()).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("within 1500 ms", error.Status.Detail, StringComparison.Ordinal);
        await AssertNotRegisteredAsync(name);
    }

    [Theory]
    [InlineData("no-such-mcp-server", "stdio.command")]
    [InlineData("sudo", "stdio.command")]
    public async Task AddMcpServer_CommandNotAllowed_InvalidArgument(string program, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(Unique("bad"), program), McpToolsFactory.As()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ": ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMcpServer_NoTransportBadNameAndTimeouts_EveryProblemNamed()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(new AddMcpServerRequest { Name = "Bad/Name", ConnectTimeoutMs = -1 }, McpToolsFactory.As()).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("3 problems", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("transport: is not set", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMcpServer_SameNameTwice_AlreadyExists()
    {
        var name = Unique("twice");
        await mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything"), McpToolsFactory.As());

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Servers.AddMcpServerAsync(McpToolsFactory.Stdio(name, "mcp-server-everything"), McpToolsFactory.As()).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
    }

    private async Task AssertNotRegisteredAsync(string name)
    {
        var servers = await mesh.Servers.ListMcpServersAsync(new ListMcpServersRequest(), McpToolsFactory.As());
        Assert.DoesNotContain(servers.Servers, s => s.Name == name);
        Assert.DoesNotContain((await mesh.Tools.ListToolsAsync(new ListToolsRequest(), McpToolsFactory.As())).Tools, t => t.Name.StartsWith(name, StringComparison.Ordinal));
    }
}
