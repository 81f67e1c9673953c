using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Mesh.Inference.Generation;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Inference.Structured;

/// <summary>
/// Structured output for Generate: the schema a request's text must match (its <c>json_schema</c>,
/// or a call of one of its tools when the tool choice forces one), compiled once per schema text
/// and vocabulary, and the tool calls read back from the text.
/// </summary>
public sealed class StructuredOutput
{
    private const int MaxCached = 256;
    private readonly ConcurrentDictionary<string, SchemaNode> _schemas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Schema, Microsoft.ML.Tokenizers.Tokenizer Tokenizer), SchemaGrammar> _grammars = new();

    /// <summary>Does the request's choice force a tool call (required, or a tool's name)?</summary>
    public static bool ForcesTool(GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Tools.Count > 0 && request.ToolChoice is not ("" or "auto" or "none");
    }

    /// <summary>Does the answer come as tool calls when the model makes them (tools given and not turned off)?</summary>
    public static bool UsesTools(GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Tools.Count > 0 && request.ToolChoice != "none";
    }

    /// <summary>Checks the request's schemas (InvalidArgument naming the keyword that cannot be enforced); the key of the one its text must match, or null.</summary>
    public string? Validate(GenerateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var i = 0; i < request.Tools.Count; i++)
        {
            if (request.Tools[i].ParametersJson.Length > 0)
            {
                Compile(request.Tools[i].ParametersJson, $"tools[{i}].parameters");
            }
        }

        if (request.JsonSchema.Length > 0)
        {
            Compile(request.JsonSchema, JsonSchemaCompiler.Field);
            return request.JsonSchema;
        }

        return ForcesTool(request) ? ToolCallSchema(request) : null;
    }

    /// <summary>The constraint of a sequence of <paramref name="model"/> whose text must match <paramref name="schemaKey"/>.</summary>
    public ITokenConstraint Constraint(string schemaKey, DecoderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var grammar = _grammars.TryGetValue((schemaKey, model.Tokenizer), out var cached) ? cached : Grammar(schemaKey, model);
        return new JsonConstraint(grammar);
    }

    /// <summary>The tool calls in <paramref name="text"/>: one <c>{"name", "arguments"}</c> object naming a tool of the request, else none.</summary>
    public static IReadOnlyList<ToolCall> ToolCalls(GenerateRequest request, string text)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            using var document = JsonDocument.Parse(text.Trim());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                && request.Tools.Any(t => t.Name == name.GetString()) && root.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object)
            {
                return [new ToolCall { Id = NewCallId(), Name = name.GetString()!, ArgumentsJson = arguments.GetRawText() }];
            }
        }
        catch (JsonException)
        {
            // Not a tool call: the text is the answer.
        }

        return [];
    }

    public static string NewCallId() => "call_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The schema of a call of the tools the choice allows, as a key; its node is built from the tools' own schemas.</summary>
    private string ToolCallSchema(GenerateRequest request)
    {
        var tools = request.Tools.Where(t => request.ToolChoice == "required" || t.Name == request.ToolChoice).ToList();
        var key = "tools:" + string.Join("\u0000", tools.Select(t => t.Name + "\u0001" + t.ParametersJson));
        if (!_schemas.ContainsKey(key))
        {
            var options = tools.Select(t => (SchemaNode)new ObjectNode(
                [
                    new PropertyNode("name", new LiteralNode(JsonSerializer.Serialize(t.Name)), Required: true),
                    new PropertyNode("arguments", t.ParametersJson.Length > 0 ? Compile(t.ParametersJson, "tools") : AnyNode.FreeObject, Required: true),
                ],
                free: false)).ToList();
            Remember(key, options.Count == 1 ? options[0] : new ChoiceNode(options));
        }

        return key;
    }

    private SchemaNode Compile(string schema, string field)
    {
        if (_schemas.TryGetValue(schema, out var node))
        {
            return node;
        }

        node = JsonSchemaCompiler.Compile(schema, field);
        Remember(schema, node);
        return node;
    }

    private void Remember(string key, SchemaNode node)
    {
        if (_schemas.Count >= MaxCached)
        {
            _schemas.Clear();
            _grammars.Clear();
        }

        _schemas[key] = node;
    }

    private SchemaGrammar Grammar(string schemaKey, DecoderModel model)
    {
        var node = _schemas.TryGetValue(schemaKey, out var known) ? known
            : throw MeshErrors.InvalidArgument(JsonSchemaCompiler.Field, "was not validated before use");
        var grammar = new SchemaGrammar(node, TokenTable.For(model.Tokenizer, model.EndOfText), model.EndOfText);
        _grammars[(schemaKey, model.Tokenizer)] = grammar;
        return grammar;
    }
}
