using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>
/// Evaluates parsed expressions over JSON values with a bounded cost: each node and each unit
/// of work a function does (characters or items it walks) counts, and an evaluation that goes
/// past <see cref="MaxCost"/> stops. A missing member or index is null, so conditions over
/// state that a step has not written yet are simply false.
/// </summary>
public sealed class Evaluator
{
    /// <summary>The most work one evaluation may do.</summary>
    public const long MaxCost = 1_000_000;

    private long _cost;

    private Evaluator()
    {
    }

    public static JsonNode? Evaluate(Node node, Scope scope)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(scope);
        return new Evaluator().Eval(node, scope);
    }

    /// <summary>Charges <paramref name="units"/> of work to the evaluation.</summary>
    internal void Charge(long units)
    {
        _cost += Math.Max(1, units);
        if (_cost > MaxCost)
        {
            throw new ExpressionException($"costs more than the limit of {MaxCost} units of work");
        }
    }

    private JsonNode? Eval(Node node, Scope scope)
    {
        Charge(1);
        return node switch
        {
            LiteralNode literal => literal.Value?.DeepClone(),
            VariableNode variable => scope.TryGet(variable.Name, out var value)
                ? value
                : throw new ExpressionException($"unknown name '{variable.Name}'; use {string.Join(", ", Scope.KnownNames)}"),
            MemberNode member => Eval(member.Target, scope) is JsonObject obj ? obj[member.Name] : null,
            IndexNode index => Index(Eval(index.Target, scope), Eval(index.Index, scope)),
            CallNode call => Functions.Call(this, call.Function, [.. call.Arguments.Select(a => Eval(a, scope))]),
            UnaryNode { Operator: "!" } unary => JsonValue.Create(!Values.IsTrue(Eval(unary.Operand, scope))),
            UnaryNode unary => JsonValue.Create(-Values.Number(Eval(unary.Operand, scope), "-")),
            BinaryNode { Operator: "&&" } and => JsonValue.Create(Values.IsTrue(Eval(and.Left, scope)) && Values.IsTrue(Eval(and.Right, scope))),
            BinaryNode { Operator: "||" } or => Values.IsTrue(Eval(or.Left, scope)) ? JsonValue.Create(true) : JsonValue.Create(Values.IsTrue(Eval(or.Right, scope))),
            BinaryNode binary => Binary(binary.Operator, Eval(binary.Left, scope), Eval(binary.Right, scope)),
            ConditionalNode conditional => Values.IsTrue(Eval(conditional.Condition, scope)) ? Eval(conditional.WhenTrue, scope) : Eval(conditional.WhenFalse, scope),
            ListNode list => new JsonArray([.. list.Items.Select(i => Eval(i, scope)?.DeepClone())]),
            _ => throw new ExpressionException($"cannot evaluate {node.GetType().Name}"),
        };
    }

    private static JsonNode? Index(JsonNode? target, JsonNode? index) => target switch
    {
        JsonArray array when Values.TryInteger(index, out var i) => i >= 0 && i < array.Count ? array[(int)i] : i < 0 && -i <= array.Count ? array[(int)(array.Count + i)] : null,
        JsonObject obj when index is JsonValue key && key.TryGetValue<string>(out var name) => obj[name],
        JsonValue value when value.TryGetValue<string>(out var text) && Values.TryInteger(index, out var c) =>
            c >= 0 && c < text.Length ? JsonValue.Create(text[(int)c].ToString()) : null,
        _ => null,
    };

    private JsonNode? Binary(string op, JsonNode? left, JsonNode? right)
    {
        switch (op)
        {
            case "==":
                return JsonValue.Create(Values.AreEqual(left, right));
            case "!=":
                return JsonValue.Create(!Values.AreEqual(left, right));
            case "<" or "<=" or ">" or ">=":
                var order = Values.Compare(left, right, op);
                return JsonValue.Create(op switch { "<" => order < 0, "<=" => order <= 0, ">" => order > 0, _ => order >= 0 });
            case "in":
                return JsonValue.Create(Contains(right, left));
            case "+" when left is JsonArray a && right is JsonArray b:
                Charge(a.Count + b.Count);
                return new JsonArray([.. a.Select(n => n?.DeepClone()), .. b.Select(n => n?.DeepClone())]);
            case "+" when Values.IsString(left) || Values.IsString(right):
                var text = Values.Text(left) + Values.Text(right);
                Charge(text.Length);
                return Values.LimitedString(text);
        }

        var x = Values.Number(left, op);
        var y = Values.Number(right, op);
        return JsonValue.Create(op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => y == 0 ? throw new ExpressionException("division by zero") : x / y,
            "%" => y == 0 ? throw new ExpressionException("division by zero") : x % y,
            _ => throw new ExpressionException($"unknown operator '{op}'"),
        });
    }

    internal bool Contains(JsonNode? container, JsonNode? value)
    {
        switch (container)
        {
            case JsonArray array:
                Charge(array.Count);
                return array.Any(item => Values.AreEqual(item, value));
            case JsonObject obj:
                return value is JsonValue key && key.TryGetValue<string>(out var name) && obj.ContainsKey(name);
            case JsonValue text when text.TryGetValue<string>(out var s):
                Charge(s.Length);
                return s.Contains(Values.Text(value), StringComparison.Ordinal);
            default:
                return false;
        }
    }
}

/// <summary>How JSON values behave in expressions: truth, numbers, text, equality and order.</summary>
public static class Values
{
    /// <summary>Longest string an expression may build.</summary>
    public const int MaxStringLength = 1 << 20;

    public static bool IsTrue(JsonNode? value) => value switch
    {
        null => false,
        JsonArray array => array.Count > 0,
        JsonObject => true,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v => v.GetValueKind() != JsonValueKind.Number || Values.Double(v) != 0,
        _ => true,
    };

    /// <summary>A JSON number as a double, however it was made (parsed, or created from an int, long or decimal).</summary>
    public static double Double(JsonValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (value.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (value.TryGetValue<int>(out var i))
        {
            return i;
        }

        return value.TryGetValue<decimal>(out var m) ? (double)m : value.TryGetValue<float>(out var f) ? f : double.NaN;
    }

    public static bool IsString(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    public static double Number(JsonNode? value, string where) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Values.Double(v),
        JsonValue v when v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new ExpressionException($"'{where}' needs numbers, not {Describe(value)}"),
    };

    public static bool TryInteger(JsonNode? value, out long integer)
    {
        integer = 0;
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        var d = Values.Double(v);
        integer = (long)d;
        return d == Math.Floor(d) && Math.Abs(d) < 1e15;
    }

    /// <summary>Text of a value: strings as they are, everything else as JSON.</summary>
    public static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Values.Double(v).ToString("G15", CultureInfo.InvariantCulture),
        _ => value.ToJsonString(),
    };

    public static JsonValue LimitedString(string text) => text.Length <= MaxStringLength
        ? JsonValue.Create(text)
        : throw new ExpressionException($"builds a string of {text.Length} characters; the limit is {MaxStringLength}");

    public static bool AreEqual(JsonNode? left, JsonNode? right)
    {
        if (left is JsonValue a && right is JsonValue b && a.GetValueKind() == JsonValueKind.Number && b.GetValueKind() == JsonValueKind.Number)
        {
            return Double(a) == Double(b);
        }

        return JsonNode.DeepEquals(left, right);
    }

    public static int Compare(JsonNode? left, JsonNode? right, string op)
    {
        if (IsString(left) && IsString(right))
        {
            return string.CompareOrdinal(Text(left), Text(right));
        }

        return Number(left, op).CompareTo(Number(right, op));
    }

    public static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a number",
        },
        _ => "a value",
    };
}
