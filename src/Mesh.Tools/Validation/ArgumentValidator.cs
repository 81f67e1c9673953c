using System.Text.Json;
using Json.Schema;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;

namespace Mesh.Tools.Validation;

/// <summary>
/// Parses <c>arguments_json</c> and checks it against the tool's schema, reporting every
/// violation with the JSON Pointer of the argument at fault.
/// </summary>
public static class ArgumentValidator
{
    public const string Field = "arguments_json";

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List };

    /// <summary>The validated arguments; empty text stands for <c>{}</c>.</summary>
    /// <exception cref="Grpc.Core.RpcException">InvalidArgument naming what is wrong.</exception>
    public static JsonElement Validate(RegisteredTool tool, string argumentsJson)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var arguments = Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
        var results = tool.Schema.Evaluate(arguments, Options);
        if (results.IsValid)
        {
            return arguments;
        }

        var violations = SchemaViolations.Describe(results, arguments, tool.SchemaDocument);
        if (violations.Count == 1)
        {
            throw MeshErrors.InvalidArgument(violations[0].Pointer, violations[0].Problem);
        }

        throw MeshErrors.InvalidArgument(Field,
            $"{violations.Count} violations of the schema of tool '{tool.Descriptor.Name}' (see ListTools): "
            + string.Join("; ", violations.Select(v => $"{v.Pointer}: {v.Problem}")));
    }

    private static JsonElement Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw MeshErrors.InvalidArgument(Field, $"not valid JSON: {ex.Message}");
        }
    }
}
