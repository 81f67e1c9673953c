using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>
/// A string with <c>{{ expression }}</c> parts. A template that is one expression and nothing
/// else gives that expression's value as it is (a list stays a list); otherwise the parts are
/// joined as text. JSON objects and lists are templated value by value.
/// </summary>
public sealed class Template
{
    private const int CacheLimit = 10_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Template> Cache = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<object> _parts;

    private Template(IReadOnlyList<object> parts) => _parts = parts;

    /// <summary>True when the text has no <c>{{ }}</c>: it is its own value.</summary>
    public bool IsConstant => _parts.All(p => p is string);

    public static Template Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<object>();
        var position = 0;
        while (position < text.Length)
        {
            var open = text.IndexOf("{{", position, StringComparison.Ordinal);
            if (open < 0)
            {
                parts.Add(text[position..]);
                break;
            }

            if (open > position)
            {
                parts.Add(text[position..open]);
            }

            var close = text.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ExpressionException($"the '{{{{' at {open + 1} is not closed with '}}}}'");
            }

            try
            {
                parts.Add(Parser.Parse(text[(open + 2)..close]));
            }
            catch (ExpressionException ex)
            {
                throw new ExpressionException($"in '{{{{{text[(open + 2)..close]}}}}}': {ex.Message}");
            }

            position = close + 2;
        }

        return new Template(parts);
    }

    /// <summary>The parsed template of <paramref name="text"/>, parsed once (definitions render the same strings every run).</summary>
    public static Template Cached(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Cache.TryGetValue(text, out var template))
        {
            return template;
        }

        template = Parse(text);
        if (Cache.Count >= CacheLimit)
        {
            Cache.Clear();
        }

        Cache[text] = template;
        return template;
    }

    public JsonNode? Render(Scope scope)
    {
        if (_parts is [Node only])
        {
            return Evaluator.Evaluate(only, scope)?.DeepClone();
        }

        var text = new StringBuilder();
        foreach (var part in _parts)
        {
            text.Append(part is Node node ? Values.Text(Evaluator.Evaluate(node, scope)) : (string)part);
            if (text.Length > Values.MaxStringLength)
            {
                throw new ExpressionException($"renders more than {Values.MaxStringLength} characters");
            }
        }

        return JsonValue.Create(text.ToString());
    }

    /// <summary>Renders every string inside <paramref name="value"/> as a template.</summary>
    public static JsonNode? RenderJson(JsonNode? value, Scope scope) => value switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, RenderJson(p.Value, scope)))),
        JsonArray array => new JsonArray([.. array.Select(i => RenderJson(i, scope))]),
        JsonValue v when v.TryGetValue<string>(out var s) => Cached(s).Render(scope),
        _ => value?.DeepClone(),
    };

    /// <summary>Every problem of the templates inside <paramref name="value"/>, with the path of the string that has it.</summary>
    public static IEnumerable<(string Path, string Problem)> Problems(JsonNode? value, string path)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    foreach (var problem in Problems(child, $"{path}.{key}"))
                    {
                        yield return problem;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var problem in Problems(array[i], $"{path}[{i}]"))
                    {
                        yield return problem;
                    }
                }

                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                string? error = null;
                try
                {
                    Parse(s);
                }
                catch (ExpressionException ex)
                {
                    error = ex.Message;
                }

                if (error is not null)
                {
                    yield return (path, error);
                }

                break;
        }
    }
}
