using System.Text.Json;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Structured;

/// <summary>
/// Compiles the part of JSON Schema that constrained decoding can enforce character by character:
/// type (and lists of types), properties, required, additionalProperties, items, minItems,
/// maxItems, minLength, maxLength, enum, const, anyOf, nullable, local $ref ($defs, definitions).
/// Annotations (description, title, default, examples, format, ...) are accepted and not enforced,
/// as JSON Schema itself treats them. Any other keyword is refused, naming it and where it is.
/// </summary>
public sealed class JsonSchemaCompiler
{
    public const string Field = "json_schema";

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "description", "title", "default", "examples", "format", "$schema", "$id", "$comment", "strict", "readOnly", "writeOnly", "deprecated",
    };

    private readonly JsonElement _root;
    private readonly string _field;
    private readonly List<RefNode> _refs = [];

    private JsonSchemaCompiler(JsonElement root, string field)
    {
        _root = root;
        _field = field;
    }

    /// <summary>Compiles <paramref name="schemaJson"/>; throws InvalidArgument on <paramref name="field"/> naming what cannot be enforced.</summary>
    public static SchemaNode Compile(string schemaJson, string field = Field)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(schemaJson);
        }
        catch (JsonException ex)
        {
            throw MeshErrors.InvalidArgument(field, $"is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var compiler = new JsonSchemaCompiler(document.RootElement, field);
            var node = compiler.Node(document.RootElement, "#");
            compiler.ResolveRefs();
            _ = node.MinLength;
            return node;
        }
    }

    private SchemaNode Node(JsonElement schema, string path)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return AnyNode.Instance;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw Refuse(path, $"a schema must be an object or true, not {schema.ValueKind.ToString().ToLowerInvariant()}");
        }

        foreach (var property in schema.EnumerateObject())
        {
            if (!Annotations.Contains(property.Name) && !Handled(property.Name))
            {
                throw Refuse(path, $"keyword '{property.Name}' is not supported by constrained decoding (supported: type, properties, required, additionalProperties, items, minItems, maxItems, minLength, maxLength, enum, const, anyOf, nullable, $ref, $defs)");
            }
        }

        var node = Typed(schema, path);
        return schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True
            ? new ChoiceNode([node, new LiteralNode("null")])
            : node;
    }

    private static bool Handled(string keyword) => keyword is "type" or "properties" or "required" or "additionalProperties" or "items" or "minItems"
        or "maxItems" or "minLength" or "maxLength" or "enum" or "const" or "anyOf" or "nullable" or "$ref" or "$defs" or "definitions";

    private SchemaNode Typed(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var node = new RefNode(reference.GetString() ?? "");
            _refs.Add(node);
            return node;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            return new LiteralNode(Canonical(constant));
        }

        if (schema.TryGetProperty("enum", out var members))
        {
            if (members.ValueKind != JsonValueKind.Array || members.GetArrayLength() == 0)
            {
                throw Refuse($"{path}/enum", "must be a non-empty array");
            }

            return Choice([.. members.EnumerateArray().Select(m => (SchemaNode)new LiteralNode(Canonical(m)))]);
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
            {
                throw Refuse($"{path}/anyOf", "must be a non-empty array of schemas");
            }

            return Choice([.. anyOf.EnumerateArray().Select((s, i) => Node(s, $"{path}/anyOf/{i}"))]);
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? Object(schema, path) : AnyNode.Instance;
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            return Choice([.. type.EnumerateArray().Select(t => OfType(t.GetString() ?? "", schema, path))]);
        }

        return OfType(type.GetString() ?? "", schema, path);
    }

    private SchemaNode OfType(string type, JsonElement schema, string path) => type switch
    {
        "object" => Object(schema, path),
        "array" => Array(schema, path),
        "string" => new StringNode(Count(schema, "minLength", 0, path), Count(schema, "maxLength", int.MaxValue, path)),
        "integer" => new NumberNode(integer: true),
        "number" => new NumberNode(integer: false),
        "boolean" => new ChoiceNode([new LiteralNode("true"), new LiteralNode("false")]),
        "null" => new LiteralNode("null"),
        _ => throw Refuse($"{path}/type", $"'{type}' is not a JSON Schema type"),
    };

    private ObjectNode Object(JsonElement schema, string path)
    {
        var required = schema.TryGetProperty("required", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(r => r.GetString() ?? "").ToHashSet(StringComparer.Ordinal)
            : [];
        var properties = new List<PropertyNode>();
        if (schema.TryGetProperty("properties", out var members) && members.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in members.EnumerateObject())
            {
                if (member.Name.Length == 0 || member.Name.Any(c => c is < ' ' or > '~' or '"' or '\\'))
                {
                    throw Refuse($"{path}/properties", $"property name '{member.Name}' must be printable ASCII without quotes or backslashes");
                }

                properties.Add(new PropertyNode(member.Name, Node(member.Value, $"{path}/properties/{member.Name}"), required.Contains(member.Name)));
            }
        }

        var missing = required.Where(r => properties.All(p => p.Name != r)).ToList();
        if (missing.Count > 0)
        {
            throw Refuse($"{path}/required", $"names '{missing[0]}', which is not among the properties");
        }

        var closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        return new ObjectNode(properties, free: properties.Count == 0 && !closed);
    }

    private ArrayNode Array(JsonElement schema, string path)
    {
        var items = schema.TryGetProperty("items", out var itemSchema) ? Node(itemSchema, $"{path}/items") : AnyNode.Instance;
        var min = Count(schema, "minItems", 0, path);
        var max = Count(schema, "maxItems", int.MaxValue, path);
        return min > max ? throw Refuse(path, $"minItems {min} is more than maxItems {max}") : new ArrayNode(items, min, max);
    }

    private int Count(JsonElement schema, string keyword, int fallback, string path) =>
        !schema.TryGetProperty(keyword, out var value) ? fallback
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count >= 0 ? count
        : throw Refuse($"{path}/{keyword}", "must be a non-negative integer");

    private void ResolveRefs()
    {
        // Targets may hold references of their own: the list grows while it is resolved.
        var targets = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        for (var i = 0; i < _refs.Count; i++)
        {
            var node = _refs[i];
            if (!targets.TryGetValue(node.Reference, out var target))
            {
                target = Node(Resolve(node.Reference), node.Reference);
                targets[node.Reference] = target;
            }

            node.Target = target;
        }
    }

    private JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal) && reference != "#")
        {
            throw Refuse(reference, "only references inside the schema (#/$defs/...) are supported");
        }

        var current = _root;
        foreach (var part in reference.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var name = part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                throw Refuse(reference, "does not point into the schema");
            }
        }

        return current;
    }

    private static ChoiceNode Choice(List<SchemaNode> options) => new(options);

    private static string Canonical(JsonElement value) => JsonSerializer.Serialize(value, CompactAscii);

    private static readonly JsonSerializerOptions CompactAscii = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    private Grpc.Core.RpcException Refuse(string path, string problem) => MeshErrors.InvalidArgument(_field, $"{problem} (at {path})");
}
