using System.Text.Json;
using Json.Schema;

namespace Mesh.Tools.Registry;

/// <summary>A tool with its arguments schema compiled once.</summary>
public sealed class RegisteredTool
{
    public RegisteredTool(ITool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        Tool = tool;
        var descriptor = tool.Descriptor;
        try
        {
            // A registry of its own: schemas never collide in the library's global registry.
            using var document = JsonDocument.Parse(descriptor.ArgumentsSchema);
            SchemaDocument = document.RootElement.Clone();
            Schema = JsonSchema.Build(SchemaDocument, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or JsonSchemaException)
        {
            throw new InvalidOperationException($"tool '{descriptor.Name}' {descriptor.Version} has an invalid arguments schema: {ex.Message}", ex);
        }
    }

    public ITool Tool { get; }

    public ToolDescriptor Descriptor => Tool.Descriptor;

    public JsonSchema Schema { get; }

    /// <summary>The schema as JSON, to read keywords back when explaining violations.</summary>
    public JsonElement SchemaDocument { get; }
}
