using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>Checks a value against a JSON Schema, naming each violation by the JSON Pointer of the value at fault.</summary>
public static class SchemaCheck
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List };
    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new(StringComparer.Ordinal);

    public static IReadOnlyList<string> Violations(string schemaJson, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        if (Schemas.Count > 1_000)
        {
            Schemas.Clear();
        }

        var schema = Schemas.GetOrAdd(schemaJson, text => JsonSchema.FromText(text));
        using var document = JsonDocument.Parse(value?.ToJsonString() ?? "null");
        var results = schema.Evaluate(document.RootElement, Options);
        if (results.IsValid)
        {
            return [];
        }

        var violations = Flatten(results)
            .SelectMany(r => (r.Errors ?? new Dictionary<string, string>()).Select(e => $"{Pointer(r.InstanceLocation.ToString())}: {e.Value}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return violations.Count > 0 ? violations : ["/: does not match the schema"];
    }

    private static string Pointer(string location) => location.Length == 0 ? "/" : location;

    private static IEnumerable<EvaluationResults> Flatten(EvaluationResults node) => new[] { node }.Concat((node.Details ?? []).SelectMany(Flatten));
}
