using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Runtimes;

/// <summary>
/// A tool a tenant's admin registered, as stored: its descriptor and, apart from it, how it
/// runs (<see cref="Runtime"/> and that runtime's <see cref="Spec"/>).
/// </summary>
public sealed record ToolDefinition(
    string Tenant,
    string Name,
    string Version,
    string Description,
    string ArgumentsSchema,
    SideEffect SideEffect,
    TimeSpan Timeout,
    SandboxLimits? Limits,
    string Runtime,
    JsonElement Spec)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The descriptor the registry publishes for this tool.</summary>
    public ToolDescriptor Descriptor(string priceClass) => new(Name, Version, Description, ArgumentsSchema, Timeout, SideEffect)
    {
        PriceClass = priceClass,
        Limits = Limits,
        Runtime = Runtime,
        Source = ToolSources.Tenant,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ToolDefinition FromJson(string json) =>
        JsonSerializer.Deserialize<ToolDefinition>(json, Json) ?? throw new JsonException("a stored tool definition is null");
}
