using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows;

/// <summary>The versions of subworkflows a run uses, fixed when it starts (a JSON object of name → version).</summary>
public static class Pins
{
    public static int Of(string pins, string name, int asked)
    {
        if (asked > 0)
        {
            return asked;
        }

        return JsonNode.Parse(pins) is JsonObject map && map[name] is JsonValue v && v.TryGetValue<int>(out var version) ? version
            : JsonNode.Parse(pins) is JsonObject m && m[name] is JsonValue d && d.TryGetValue<double>(out var dv) ? (int)dv : 0;
    }
}
