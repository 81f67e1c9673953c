namespace Mesh.Tools.Sandbox.Workspaces;

/// <summary>
/// A sandbox's private writable folder, seen inside as <c>/workspace</c>: the host folder and the
/// host uid the sandbox runs as (the folder's owner). A run's workspace outlives each call; an
/// ephemeral one (a call outside any run) is removed when the call ends.
/// </summary>
public sealed class Workspace(string hostPath, int uid, Action<Workspace> release) : IDisposable
{
    private int _released;

    public string HostPath { get; } = hostPath;

    public int Uid { get; } = uid;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release(this);
        }
    }
}
