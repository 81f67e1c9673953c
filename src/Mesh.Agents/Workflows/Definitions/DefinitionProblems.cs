namespace Mesh.Agents.Workflows.Definitions;

/// <summary>The problems found in a definition, each with the path in the document where it is.</summary>
public sealed class DefinitionProblems
{
    private readonly List<(string Path, string Problem)> _problems = [];

    public IReadOnlyList<(string Path, string Problem)> All => _problems;

    public bool Any => _problems.Count > 0;

    public void Add(string path, string problem) => _problems.Add((path, problem));

    public override string ToString() => string.Join("; ", _problems.Select(p => $"{p.Path}: {p.Problem}"));
}
