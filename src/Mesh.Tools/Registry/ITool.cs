using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Tools.Registry;

/// <summary>
/// A tool the mesh can run. Arguments reach <see cref="ExecuteAsync"/> already validated
/// against <see cref="ToolDescriptor.ArgumentsSchema"/>; the token fires at the tool's timeout
/// or when the caller gives up. Arguments that are well-formed but cannot be acted on are
/// reported with <see cref="ToolArgumentException"/>.
/// </summary>
public interface ITool
{
    ToolDescriptor Descriptor { get; }

    ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken);
}
