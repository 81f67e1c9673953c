using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Json.Schema;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mesh.Tools.Mcp;

/// <summary>The tools of tenants' MCP servers, as the registry sees them (no connection is needed to list them).</summary>
public sealed class McpToolSource(McpServerStore store, McpSessions sessions) : ITenantToolSource
{
    public const string PriceClass = "mcp";

    public IEnumerable<ITool> ToolsOf(string tenant) =>
        store.List(tenant).SelectMany(row => row.Tools.Select(tool => (ITool)new McpTool(row.Server, tool, sessions)));
}

/// <summary>One MCP server's tool, called over the server's shared session.</summary>
public sealed class McpTool(McpServerDefinition server, McpToolDefinition tool, McpSessions sessions) : ITool
{
    public ToolDescriptor Descriptor { get; } = new(McpToolDefinition.MeshName(server.Name, tool.Name), "1.0.0",
        tool.Description, tool.InputSchema, server.CallTimeout, tool.SideEffect)
    {
        PriceClass = McpToolSource.PriceClass,
        Runtime = ToolRuntimes.Mcp,
        Source = ToolSources.McpServer(server.Name),
    };

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        McpSession session;
        try
        {
            session = await sessions.SessionAsync(server, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw McpErrors.Connect(server.Name, server.ConnectTimeout, ex);
        }

        var values = arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        try
        {
            var result = await session.Client.CallToolAsync(tool.Name, values, cancellationToken: cancellationToken);
            return JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not RpcException)
        {
            if (ex is not McpProtocolException)
            {
                await sessions.DropAsync(server.Tenant, server.Name);
            }

            throw McpErrors.Call(Descriptor.Name, ex, session.Stderr);
        }
    }
}

/// <summary>Turns what an MCP server listed into tool definitions Mesh can register.</summary>
public static partial class McpToolList
{
    private static readonly string PermissiveSchema = """{"type":"object"}""";

    /// <summary>The server's tools, each with a schema Mesh can validate against; tools with names Mesh cannot carry are left out.</summary>
    public static IReadOnlyList<McpToolDefinition> From(IEnumerable<Tool> tools, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var definitions = new List<McpToolDefinition>();
        foreach (var tool in tools)
        {
            if (tool.Name.Length is 0 or > 128 || !tool.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                LogSkipped(logger, tool.Name);
                continue;
            }

            var schema = tool.InputSchema.ValueKind == JsonValueKind.Object ? tool.InputSchema.GetRawText() : PermissiveSchema;
            try
            {
                _ = JsonSchema.Build(tool.InputSchema, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            }
            catch (Exception ex) when (ex is JsonSchemaException or ArgumentException or InvalidOperationException or JsonException)
            {
                LogSchemaReplaced(logger, tool.Name, ex.Message);
                schema = PermissiveSchema;
            }

            var sideEffect = tool.Annotations?.ReadOnlyHint == true ? SideEffect.Read : SideEffect.Write;
            definitions.Add(new McpToolDefinition(tool.Name, tool.Description ?? tool.Title ?? "", schema, sideEffect));
        }

        return definitions;
    }

    [LoggerMessage(EventId = 71, Level = LogLevel.Warning, Message = "MCP tool {Tool} has a name Mesh cannot carry (letters, digits, '_', '-', '.'); it is left out")]
    private static partial void LogSkipped(ILogger logger, string tool);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "MCP tool {Tool} has an input schema Mesh cannot compile ({Problem}); any object is accepted and the server checks it")]
    private static partial void LogSchemaReplaced(ILogger logger, string tool, string problem);
}
