using Mesh.Tools.Registry;
using Mesh.Tools.Sandbox.Workspaces;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// Runs one tool call's command in a sandbox: in its run's workspace (or a fresh one outside any
/// run), reporting what it used to the call's <see cref="ToolRun"/>.
/// </summary>
public sealed class SandboxedCall(SandboxRunner runner, WorkspaceStore workspaces)
{
    public async Task<SandboxResult> RunAsync(IReadOnlyList<string> command, byte[] stdin, string? toolDirectory, SandboxLimits limits, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var run = ToolRun.Current;
        using var workspace = run is { RunId.Length: > 0, Tenant.Length: > 0 } ? workspaces.ForRun(run.Tenant, run.RunId) : workspaces.Ephemeral();
        var result = await runner.RunAsync(new SandboxRequest(command, stdin, workspace, toolDirectory, limits, timeout), cancellationToken);
        if (run is not null)
        {
            run.Stats = result.ToStats();
        }

        return result;
    }
}
