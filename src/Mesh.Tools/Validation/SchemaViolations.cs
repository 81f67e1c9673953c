using System.Text.Json;
using Json.Schema;

namespace Mesh.Tools.Validation;

/// <summary>One broken schema rule, at <see cref="Pointer"/> (<c>arguments_json/...</c>).</summary>
public sealed record SchemaViolation(string Pointer, string Problem);

/// <summary>Turns a failed evaluation (list output) into one readable line per violation.</summary>
public static class SchemaViolations
{
    public static IReadOnlyList<SchemaViolation> Describe(EvaluationResults results, JsonElement instance, JsonElement schema)
    {
        ArgumentNullException.ThrowIfNull(results);
        var violations = new List<SchemaViolation>();
        foreach (var node in Flatten(results))
        {
            var location = node.InstanceLocation.ToString();
            foreach (var (keyword, message) in node.Errors ?? new Dictionary<string, string>())
            {
                var schemaNode = Navigate(schema, node.EvaluationPath.ToString());
                violations.AddRange(keyword switch
                {
                    "required" => Missing(location, schemaNode, Navigate(instance, location), message),
                    "" when node.EvaluationPath.ToString().EndsWith("/additionalProperties", StringComparison.Ordinal) =>
                        [NotAllowed(location, Navigate(schema, Parent(node.EvaluationPath.ToString())))],
                    _ => [new SchemaViolation(Pointer(location), Lower(message))],
                });
            }
        }

        return violations.Count > 0 ? violations : [new SchemaViolation(ArgumentValidator.Field, "does not match the tool's schema")];
    }

    private static IEnumerable<EvaluationResults> Flatten(EvaluationResults node) =>
        new[] { node }.Concat((node.Details ?? []).SelectMany(Flatten));

    private static List<SchemaViolation> Missing(string location, JsonElement? schemaNode, JsonElement? instanceNode, string message)
    {
        if (schemaNode is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("required", out var required)
            && required.ValueKind == JsonValueKind.Array && instanceNode is { ValueKind: JsonValueKind.Object } i)
        {
            var missing = required.EnumerateArray()
                .Select(r => r.GetString() ?? "")
                .Where(name => !i.TryGetProperty(name, out _))
                .Select(name => new SchemaViolation(Pointer($"{location}/{Escape(name)}"), "required property missing"))
                .ToList();
            if (missing.Count > 0)
            {
                return missing;
            }
        }

        return [new SchemaViolation(Pointer(location), Lower(message))];
    }

    private static SchemaViolation NotAllowed(string location, JsonElement? schemaNode)
    {
        var allowed = schemaNode is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("properties", out var properties)
            && properties.ValueKind == JsonValueKind.Object
            ? string.Join(", ", properties.EnumerateObject().Select(p => p.Name))
            : "";
        return new SchemaViolation(Pointer(location),
            allowed.Length > 0 ? $"property not allowed; allowed properties: {allowed}" : "property not allowed");
    }

    /// <summary>Follows a JSON Pointer; null when it leads nowhere.</summary>
    private static JsonElement? Navigate(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return null;
            }
        }

        return current;
    }

    private static string Parent(string pointer) => pointer[..Math.Max(0, pointer.LastIndexOf('/'))];

    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Pointer(string location) => ArgumentValidator.Field + location;

    private static string Lower(string message) =>
        message.Length > 0 && char.IsUpper(message[0]) ? char.ToLowerInvariant(message[0]) + message[1..] : message;
}
