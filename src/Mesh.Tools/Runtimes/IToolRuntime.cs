using Mesh.Tools.Registry;

namespace Mesh.Tools.Runtimes;

/// <summary>
/// One way of running registered tools (sandboxed processes, allow-listed HTTP): checks the
/// runtime part of a registration and turns a stored definition into a tool the registry runs.
/// </summary>
public interface IToolRuntime
{
    /// <summary><see cref="ToolRuntimes.Process"/> or <see cref="ToolRuntimes.Http"/>.</summary>
    string Kind { get; }

    /// <summary>Every problem of the definition's runtime part: the field at fault (<c>process.command</c>) and what to fix.</summary>
    IEnumerable<(string Field, string Problem)> Check(ToolDefinition definition);

    /// <summary>A runnable tool for a definition <see cref="Check"/> found no problem with.</summary>
    ITool Create(ToolDefinition definition);
}
