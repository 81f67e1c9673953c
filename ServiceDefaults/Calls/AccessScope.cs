namespace Mesh.ServiceDefaults.Calls;

/// <summary>
/// Limits a credential to some resources: an API key created with allowed tools or models, or
/// a token issued for one agent run. An empty list allows every resource of that type.
/// </summary>
public sealed record AccessScope
{
    public static readonly AccessScope Unrestricted = new();

    /// <summary>A list holding only this allows nothing of its type (an empty list would allow everything).</summary>
    public const string Nothing = "-";

    public IReadOnlyList<string> Tools { get; init; } = [];

    public IReadOnlyList<string> Models { get; init; } = [];

    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>The agent run a token was issued for; empty when none.</summary>
    public string RunId { get; init; } = "";

    public bool IsUnrestricted => Tools.Count == 0 && Models.Count == 0 && Agents.Count == 0 && RunId.Length == 0;

    /// <summary>Does the scope include <paramref name="name"/> of <paramref name="resourceType"/>?</summary>
    public bool Allows(string resourceType, string name) => ListFor(resourceType) is not { Count: > 0 } list
        || list.Any(allowed => allowed == "*" || string.Equals(allowed, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Is <paramref name="narrower"/> within this scope? Its empty lists inherit this scope's (see <see cref="Narrow"/>).</summary>
    public bool Contains(AccessScope narrower)
    {
        ArgumentNullException.ThrowIfNull(narrower);
        return Within(Tools, narrower.Tools) && Within(Models, narrower.Models) && Within(Agents, narrower.Agents)
            && (RunId.Length == 0 || RunId == narrower.RunId);
    }

    /// <summary>The lists a narrower scope inherits: what it leaves open stays as wide as this one.</summary>
    public AccessScope Narrow(AccessScope requested)
    {
        ArgumentNullException.ThrowIfNull(requested);
        return new AccessScope
        {
            Tools = requested.Tools.Count > 0 ? requested.Tools : Tools,
            Models = requested.Models.Count > 0 ? requested.Models : Models,
            Agents = requested.Agents.Count > 0 ? requested.Agents : Agents,
            RunId = requested.RunId.Length > 0 ? requested.RunId : RunId,
        };
    }

    private IReadOnlyList<string>? ListFor(string resourceType) => resourceType switch
    {
        "tool" => Tools,
        "model" => Models,
        "agent" => Agents,
        _ => null,
    };

    private static bool Within(IReadOnlyList<string> outer, IReadOnlyList<string> inner) =>
        outer.Count == 0 || outer.Contains("*") || inner.All(i => i == Nothing || outer.Contains(i, StringComparer.OrdinalIgnoreCase));
}
