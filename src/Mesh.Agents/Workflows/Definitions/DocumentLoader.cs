using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>Reads a definition document, JSON or YAML, into one JSON tree (YAML as its JSON-compatible subset).</summary>
public static class DocumentLoader
{
    /// <summary>Largest document accepted.</summary>
    public const int MaxLength = 256 * 1024;

    /// <summary>The document's JSON tree, or the reason it cannot be read (with line and column).</summary>
    public static JsonNode? Load(string text, string format, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var json = string.IsNullOrWhiteSpace(format) ? text.TrimStart().StartsWith('{') : string.Equals(format.Trim(), "json", StringComparison.OrdinalIgnoreCase);
        try
        {
            var tree = json ? JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) : FromYaml(text);

            // One representation whatever the source: every value as parsed JSON.
            return tree is null ? null : JsonNode.Parse(tree.ToJsonString());
        }
        catch (JsonException ex)
        {
            error = $"is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}): {ex.Message.Split(" Path:")[0]}";
        }
        catch (YamlException ex)
        {
            error = $"is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}): {ex.InnerException?.Message ?? ex.Message}";
        }

        return null;
    }

    private static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(text))
        {
            stream.Load(reader);
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    /// <summary>Plain scalars are typed as YAML 1.2's core schema types them; quoted ones are strings.</summary>
    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && value.Any(char.IsDigit)
            ? JsonValue.Create(number)
            : JsonValue.Create(value);
    }
}
