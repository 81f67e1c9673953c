namespace Mesh.Inference.Structured;

/// <summary>
/// A JSON Schema compiled for constrained decoding: what value may come next. Nodes are compared
/// by reference; <see cref="MinLength"/> is the length of the shortest JSON text the node accepts
/// (the budget a value needs to be finished).
/// </summary>
public abstract class SchemaNode
{
    /// <summary>A recursive reference that has not been measured yet counts as this long.</summary>
    public const int Unmeasured = 1 << 16;

    private int _minLength = -1;
    private bool _measuring;

    public int MinLength
    {
        get
        {
            if (_minLength >= 0)
            {
                return _minLength;
            }

            if (_measuring)
            {
                return Unmeasured;
            }

            _measuring = true;
            var length = Measure();
            _measuring = false;
            return _minLength = length;
        }
    }

    protected abstract int Measure();
}

/// <summary>Any JSON value (a schema of <c>{}</c> or <c>true</c>, JSON mode, free object members).</summary>
public sealed class AnyNode : SchemaNode
{
    public static readonly AnyNode Instance = new();

    /// <summary>A free string (an object key or a string value).</summary>
    public static readonly StringNode FreeString = new(0, int.MaxValue);

    /// <summary>An object with any members.</summary>
    public static readonly ObjectNode FreeObject = new([], free: true);

    /// <summary>An array of any values.</summary>
    public static readonly ArrayNode FreeArray = new(Instance, 0, int.MaxValue);

    protected override int Measure() => 1;
}

public sealed class StringNode(int minChars, int maxChars) : SchemaNode
{
    public int MinChars { get; } = minChars;

    public int MaxChars { get; } = maxChars;

    protected override int Measure() => 2 + MinChars;
}

public sealed class NumberNode(bool integer) : SchemaNode
{
    public bool Integer { get; } = integer;

    protected override int Measure() => 1;
}

/// <summary>One exact JSON text: a const or an enum member (<c>"red"</c>, <c>3</c>, <c>true</c>, <c>null</c>).</summary>
public sealed class LiteralNode(string json) : SchemaNode
{
    public string Json { get; } = json;

    protected override int Measure() => Json.Length;
}

/// <summary>anyOf, an enum, or a list of types: any one of the options.</summary>
public sealed class ChoiceNode(IReadOnlyList<SchemaNode> options) : SchemaNode
{
    public IReadOnlyList<SchemaNode> Options { get; } = options;

    protected override int Measure() => Options.Min(o => o.MinLength);
}

public sealed record PropertyNode(string Name, SchemaNode Value, bool Required)
{
    /// <summary><c>,"name":</c> and the shortest value.</summary>
    public int MinLength => Name.Length + 4 + Value.MinLength;
}

/// <summary>
/// An object: its properties in the schema's order, the required ones always, the optional ones
/// when the model chooses (still in order); or, when <paramref name="free"/>, any members.
/// </summary>
public sealed class ObjectNode(IReadOnlyList<PropertyNode> properties, bool free) : SchemaNode
{
    public IReadOnlyList<PropertyNode> Properties { get; } = properties;

    public bool Free { get; } = free;

    /// <summary>The shortest text of the required properties from <paramref name="from"/> on, each with its comma.</summary>
    public int RequiredFrom(int from)
    {
        var total = 0;
        for (var i = from; i < Properties.Count; i++)
        {
            total += Properties[i].Required ? Properties[i].MinLength : 0;
        }

        return total;
    }

    /// <summary>The properties that may come next: from <paramref name="from"/> up to and including the first required one.</summary>
    public IEnumerable<int> Candidates(int from)
    {
        for (var i = from; i < Properties.Count; i++)
        {
            yield return i;
            if (Properties[i].Required)
            {
                yield break;
            }
        }
    }

    protected override int Measure() => Free ? 2 : Math.Max(2, 1 + RequiredFrom(0));
}

public sealed class ArrayNode(SchemaNode items, int minItems, int maxItems) : SchemaNode
{
    public SchemaNode Items { get; } = items;

    public int MinItems { get; } = minItems;

    public int MaxItems { get; } = maxItems;

    protected override int Measure() => MinItems == 0 ? 2 : 1 + (MinItems * (Items.MinLength + 1));
}

/// <summary>A <c>$ref</c>, resolved once the whole schema is read (references may be recursive).</summary>
public sealed class RefNode(string reference) : SchemaNode
{
    public string Reference { get; } = reference;

    public SchemaNode? Target { get; set; }

    protected override int Measure() => Target?.MinLength ?? Unmeasured;
}
