using Mesh.Tools.Registry;
using Mesh.Tools.Sandbox.Workspaces;

namespace Mesh.Tools.Sandbox;

/// <summary>One command to run in a sandbox.</summary>
/// <param name="Command">The program (as the sandbox sees it) and its arguments.</param>
/// <param name="Stdin">What the program reads on standard input.</param>
/// <param name="Workspace">The writable folder, <c>/workspace</c> inside.</param>
/// <param name="ToolDirectory">A host folder seen read-only as <c>/tool</c> (the tool's files), or null.</param>
/// <param name="Limits">Memory, processes, CPU and output.</param>
/// <param name="Timeout">The wall-clock limit: at it, every process of the run is killed.</param>
public sealed record SandboxRequest(
    IReadOnlyList<string> Command,
    byte[] Stdin,
    Workspace Workspace,
    string? ToolDirectory,
    SandboxLimits Limits,
    TimeSpan Timeout)
{
    /// <summary>More host folders the sandbox sees read-only at the same place (installed MCP servers); their node_modules/.bin go on PATH.</summary>
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];

    /// <summary>Environment variables of the program (beside PATH, HOME, TMPDIR and LANG).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
