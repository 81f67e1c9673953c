using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Expressions;

/// <summary>The names an expression can read (<c>inputs</c>, <c>state</c>, <c>item</c>, ...), and nothing else.</summary>
public sealed class Scope
{
    private readonly Dictionary<string, JsonNode?> _values = new(StringComparer.Ordinal);

    public Scope(JsonNode? inputs, JsonNode? state)
    {
        _values["inputs"] = inputs;
        _values["state"] = state;
    }

    /// <summary>Names every scope has; steps add <c>item</c>, <c>index</c>, <c>result</c> and <c>signal</c> where they apply.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["inputs", "state", "item", "index", "result", "signal", "run"];

    public Scope With(string name, JsonNode? value)
    {
        var copy = new Scope(null, null);
        foreach (var (key, existing) in _values)
        {
            copy._values[key] = existing;
        }

        copy._values[name] = value;
        return copy;
    }

    public bool TryGet(string name, out JsonNode? value) => _values.TryGetValue(name, out value);
}
