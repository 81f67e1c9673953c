using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.ServiceDefaults.Json;

/// <summary>
/// JSON text for programs and terminals: characters such as <c>+</c>, <c>&lt;</c> and <c>'</c>
/// stay as they are instead of <c>\u002B</c>. Never written into HTML unencoded: the console
/// encodes what it shows.
/// </summary>
public static class JsonText
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The node as compact JSON; <c>null</c> for none.</summary>
    public static string Of(JsonNode? node) => node?.ToJsonString(Options) ?? "null";
}
