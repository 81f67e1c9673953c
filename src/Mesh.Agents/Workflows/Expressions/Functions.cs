using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Agents.Assistant;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>The built-in functions: each works on JSON values only and charges the work it does.</summary>
public static class Functions
{
    private static readonly Dictionary<string, (int Min, int Max, Func<Evaluator, JsonNode?[], JsonNode?> Body)> Table = new(StringComparer.Ordinal)
    {
        ["len"] = (1, 1, (_, a) => JsonValue.Create(a[0] switch
        {
            JsonArray array => array.Count,
            JsonObject obj => obj.Count,
            null => 0,
            var v => Values.Text(v).Length,
        })),
        ["lower"] = (1, 1, (e, a) => Text(e, a[0], s => s.ToLowerInvariant())),
        ["upper"] = (1, 1, (e, a) => Text(e, a[0], s => s.ToUpperInvariant())),
        ["trim"] = (1, 1, (e, a) => Text(e, a[0], s => s.Trim())),
        ["string"] = (1, 1, (e, a) => Text(e, a[0], s => s)),
        ["number"] = (1, 1, (_, a) => JsonValue.Create(Values.Number(a[0], "number"))),
        ["contains"] = (2, 2, (e, a) => JsonValue.Create(e.Contains(a[0], a[1]))),
        ["startsWith"] = (2, 2, (e, a) => JsonValue.Create(Values.Text(a[0]).StartsWith(Values.Text(a[1]), StringComparison.Ordinal))),
        ["endsWith"] = (2, 2, (e, a) => JsonValue.Create(Values.Text(a[0]).EndsWith(Values.Text(a[1]), StringComparison.Ordinal))),
        ["join"] = (1, 2, Join),
        ["split"] = (2, 2, Split),
        ["first"] = (1, 1, (_, a) => a[0] is JsonArray { Count: > 0 } list ? list[0] : null),
        ["last"] = (1, 1, (_, a) => a[0] is JsonArray { Count: > 0 } list ? list[^1] : null),
        ["keys"] = (1, 1, (e, a) => a[0] is JsonObject obj ? Charged(e, obj.Count, new JsonArray([.. obj.Select(p => (JsonNode?)JsonValue.Create(p.Key))])) : new JsonArray()),
        ["round"] = (1, 2, (_, a) => JsonValue.Create(Math.Round(Values.Number(a[0], "round"), a.Length > 1 ? (int)Math.Clamp(Values.Number(a[1], "round"), 0, 15) : 0, MidpointRounding.AwayFromZero))),
        ["abs"] = (1, 1, (_, a) => JsonValue.Create(Math.Abs(Values.Number(a[0], "abs")))),
        ["min"] = (1, 16, (e, a) => Extreme(e, a, -1)),
        ["max"] = (1, 16, (e, a) => Extreme(e, a, 1)),
        ["sum"] = (1, 1, (e, a) => a[0] is JsonArray list ? Charged(e, list.Count, JsonValue.Create(list.Sum(i => Values.Number(i, "sum")))) : throw new ExpressionException("sum needs a list")),
        ["default"] = (2, 2, (_, a) => a[0] ?? a[1]),
        ["json"] = (1, 1, (e, a) => Text(e, JsonValue.Create(a[0]?.ToJsonString() ?? "null"), s => s)),
        ["slice"] = (2, 3, Slice),
        ["arithmetic"] = (1, 1, (e, a) => Charged(e, Values.Text(a[0]).Length, ExpressionExtractor.Find(Values.Text(a[0])) is { } found ? JsonValue.Create(found) : null)),
        ["format"] = (2, 2, (_, a) => JsonValue.Create(Values.Number(a[0], "format").ToString(Values.Text(a[1]), CultureInfo.InvariantCulture))),
    };

    public static IEnumerable<string> Names => Table.Keys.Order(StringComparer.Ordinal);

    public static bool IsKnown(string name) => Table.ContainsKey(name);

    /// <summary>Null when <paramref name="count"/> arguments fit the function, else what is wrong.</summary>
    public static string? ArityProblem(string name, int count)
    {
        var (min, max, _) = Table[name];
        return count >= min && count <= max ? null
            : min == max ? $"{name} takes {min} argument{(min == 1 ? "" : "s")}, not {count}"
            : $"{name} takes {min} to {max} arguments, not {count}";
    }

    internal static JsonNode? Call(Evaluator evaluator, string name, JsonNode?[] arguments) => Table[name].Body(evaluator, arguments);

    private static JsonNode? Charged(Evaluator evaluator, long units, JsonNode? result)
    {
        evaluator.Charge(units);
        return result;
    }

    private static JsonValue Text(Evaluator evaluator, JsonNode? value, Func<string, string> change)
    {
        var text = Values.Text(value);
        evaluator.Charge(text.Length);
        return Values.LimitedString(change(text));
    }

    private static JsonValue? Join(Evaluator evaluator, JsonNode?[] a)
    {
        if (a[0] is not JsonArray list)
        {
            throw new ExpressionException("join needs a list");
        }

        evaluator.Charge(list.Count);
        var text = string.Join(a.Length > 1 ? Values.Text(a[1]) : ", ", list.Select(Values.Text));
        evaluator.Charge(text.Length);
        return Values.LimitedString(text);
    }

    private static JsonArray? Split(Evaluator evaluator, JsonNode?[] a)
    {
        var text = Values.Text(a[0]);
        evaluator.Charge(text.Length);
        var separator = Values.Text(a[1]);
        var parts = separator.Length == 0 ? [text] : text.Split(separator);
        return new JsonArray([.. parts.Select(p => (JsonNode?)JsonValue.Create(p))]);
    }

    private static JsonNode? Slice(Evaluator evaluator, JsonNode?[] a)
    {
        var start = (int)Values.Number(a[1], "slice");
        switch (a[0])
        {
            case JsonArray list:
                {
                    var (from, to) = Range(start, a.Length > 2 ? (int)Values.Number(a[2], "slice") : list.Count, list.Count);
                    evaluator.Charge(to - from);
                    return new JsonArray([.. list.Skip(from).Take(to - from).Select(n => n?.DeepClone())]);
                }

            default:
                {
                    var text = Values.Text(a[0]);
                    var (from, to) = Range(start, a.Length > 2 ? (int)Values.Number(a[2], "slice") : text.Length, text.Length);
                    evaluator.Charge(to - from);
                    return JsonValue.Create(text[from..to]);
                }
        }
    }

    private static (int From, int To) Range(int start, int end, int length)
    {
        var from = Math.Clamp(start < 0 ? length + start : start, 0, length);
        var to = Math.Clamp(end < 0 ? length + end : end, from, length);
        return (from, to);
    }

    private static JsonValue? Extreme(Evaluator evaluator, JsonNode?[] a, int sign)
    {
        var items = a.Length == 1 && a[0] is JsonArray list ? [.. list] : a;
        evaluator.Charge(items.Length);
        if (items.Length == 0)
        {
            return null;
        }

        var best = Values.Number(items[0], sign < 0 ? "min" : "max");
        foreach (var item in items.Skip(1))
        {
            var value = Values.Number(item, sign < 0 ? "min" : "max");
            best = sign < 0 ? Math.Min(best, value) : Math.Max(best, value);
        }

        return JsonValue.Create(best);
    }
}
