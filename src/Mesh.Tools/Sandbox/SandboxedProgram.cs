using Mesh.Tools.Sandbox.Cgroups;

namespace Mesh.Tools.Sandbox;

/// <summary>A long-lived sandboxed program's command line; disposing kills every process of it and removes its cgroup.</summary>
public sealed class SandboxedProgram(string program, IReadOnlyList<string> arguments, ISandboxCgroup cgroup) : IDisposable
{
    public string Program { get; } = program;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    /// <summary>What it has used so far.</summary>
    public CgroupStats Usage() => cgroup.Read();

    public void Dispose() => cgroup.Dispose();
}
