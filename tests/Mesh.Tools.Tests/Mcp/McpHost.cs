using System.Text.Json;
using Grpc.Core;
using Mesh.DevServers;
using Mesh.Testing;
using Mesh.Tools.V1;

namespace Mesh.Tools.Tests.Mcp;

/// <summary>A tools service whose stdio MCP servers can run the servers installed in mcp-servers.</summary>
public sealed class McpToolsFactory : IAsyncLifetime
{
    public ToolsFactory Factory { get; } = new();

    public McpServers.McpServersClient Servers => new(Factory.CreateChannel());

    public Mesh.Tools.V1.Tools.ToolsClient Tools => new(Factory.CreateChannel());

    public Task InitializeAsync()
    {
        Factory.WithSetting("Mesh:Tools:Mcp:ServerRoots:0", LocalMcpServers.Root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    public static AddMcpServerRequest Stdio(string name, params string[] command) => new()
    {
        Name = name,
        Stdio = new McpStdio { Command = { command } },
    };

    public async Task<JsonElement> CallAsync(string tool, object arguments, string key = TestKeys.Acme)
    {
        var response = await Tools.InvokeToolAsync(new InvokeToolRequest { Tool = tool, ArgumentsJson = JsonSerializer.Serialize(arguments) },
            TestCalls.As(key, timeout: TimeSpan.FromSeconds(60)));
        using var document = JsonDocument.Parse(response.ResultJson);
        return document.RootElement.Clone();
    }

    public static string Text(JsonElement result) =>
        string.Concat(result.GetProperty("content").EnumerateArray().Where(c => c.GetProperty("type").GetString() == "text").Select(c => c.GetProperty("text").GetString()));

    public static CallOptions As(string key = TestKeys.Acme) => TestCalls.As(key, timeout: TimeSpan.FromSeconds(60));
}
