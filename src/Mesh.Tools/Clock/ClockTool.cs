using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Clock;

/// <summary>Tells the current UTC time.</summary>
public sealed class ClockTool(TimeProvider time) : ITool
{
    public const string Name = "clock";

    private const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {},
          "additionalProperties": false
        }
        """;

    public ToolDescriptor Descriptor { get; } = new(
        Name,
        "1.0.0",
        "Returns the current date and time in UTC (ISO 8601) and as Unix milliseconds.",
        Schema,
        TimeSpan.FromSeconds(1),
        SideEffect.Read);

    public ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        return ValueTask.FromResult<JsonNode?>(new JsonObject
        {
            ["utc"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["unix_ms"] = now.ToUnixTimeMilliseconds(),
        });
    }
}
