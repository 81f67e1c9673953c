using System.Net;
using System.Text.Json;
using Mesh.Testing;
using Mesh.Usage.V1;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mesh.Tools.Tests.Mcp;

/// <summary>Mesh's registry as an MCP server, used with the official MCP C# client over Streamable HTTP.</summary>
public sealed class MeshMcpServerTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    private async Task<McpClient> ConnectAsync(string? apiKey)
    {
        var http = new HttpClient(factory.Server.CreateHandler()) { BaseAddress = factory.Server.BaseAddress };
        var headers = apiKey is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = $"Bearer {apiKey}" };
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        }, http, ownsHttpClient: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The client's 5 s probe for the newest protocol can elapse on a loaded machine while the
        // in-memory server answers the cancelled probe with 499 instead of failing it, so the
        // fallback to the initialize handshake never comes; the 30 s above bounds the connect instead.
        return await McpClient.CreateAsync(transport, new McpClientOptions { DiscoverProbeTimeout = Timeout.InfiniteTimeSpan }, cancellationToken: timeout.Token);
    }

    [Fact]
    public async Task ListAndCall_WithAMeshKey_ToolsOfTheTenantRunThroughTheMeteredPath()
    {
        await using var client = await ConnectAsync(TestKeys.Acme);

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("calculator", new Dictionary<string, object?> { ["expression"] = "6*7" });

        Assert.Contains(tools, t => t.Name == "calculator");
        Assert.Contains(tools, t => t.Name == "python");
        Assert.NotEqual(true, result.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(42, JsonDocument.Parse(text).RootElement.GetProperty("value").GetDouble());
        var usage = factory.Usage.Events.Last(e => e.Resource == "calculator");
        Assert.Equal(("acme", "alice", UsageStatus.Ok), (usage.TenantId, usage.PrincipalId, usage.Status));
    }

    [Fact]
    public async Task CallTool_BadArguments_ErrorResultNamingTheArgument()
    {
        await using var client = await ConnectAsync(TestKeys.Acme);

        var result = await client.CallToolAsync("calculator", new Dictionary<string, object?> { ["expr"] = "1" });

        Assert.True(result.IsError);
        Assert.Contains("InvalidArgument: ", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-mesh-key")]
    public async Task Connect_WithoutAValidMeshCredential_Refused401(string? apiKey)
    {
        var error = await Assert.ThrowsAnyAsync<HttpRequestException>(() => ConnectAsync(apiKey));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
