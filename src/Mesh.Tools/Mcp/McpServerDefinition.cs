using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Mcp;

/// <summary>A tenant's MCP server as stored: how to reach it, and the tools it listed.</summary>
public sealed record McpServerDefinition(
    string Tenant,
    string Name,
    string Transport,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string Url,
    IReadOnlyDictionary<string, string> Headers,
    TimeSpan ConnectTimeout,
    TimeSpan CallTimeout,
    SandboxLimits? Limits)
{
    public const string Stdio = "stdio";
    public const string Http = "http";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>What people see of where the server is: the command line or the URL (never its headers or environment).</summary>
    public string Target => Transport == Stdio ? string.Join(' ', Command) : Url;

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static McpServerDefinition FromJson(string json) =>
        JsonSerializer.Deserialize<McpServerDefinition>(json, Json) ?? throw new JsonException("a stored MCP server definition is null");
}

/// <summary>One tool an MCP server listed: its MCP name, description, input schema, and whether it only reads.</summary>
public sealed record McpToolDefinition(string Name, string Description, string InputSchema, SideEffect SideEffect)
{
    /// <summary>The name tenants call it by: <c>&lt;server&gt;/&lt;tool&gt;</c>.</summary>
    public static string MeshName(string server, string tool) => $"{server}/{tool}";

    public static string ToJson(IReadOnlyList<McpToolDefinition> tools) => JsonSerializer.Serialize(tools, McpServerDefinition.Json);

    public static IReadOnlyList<McpToolDefinition> ListFromJson(string json) =>
        JsonSerializer.Deserialize<List<McpToolDefinition>>(json, McpServerDefinition.Json) ?? [];
}
