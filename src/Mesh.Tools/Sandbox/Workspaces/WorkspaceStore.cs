using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Mesh.Tools.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox.Workspaces;

/// <summary>
/// Sandbox workspaces on the host: <c>workspaces/&lt;tenant&gt;/&lt;run&gt;</c> under the tools data folder,
/// both levels named by a hash (a run id never becomes a path), the run's folder owned by the
/// run's own uid with mode 0700. The files one step of a run writes are there for its next step,
/// never for another run or tenant; <see cref="End"/> removes a run's workspace, and ones idle for
/// <see cref="SandboxOptions.WorkspaceIdleTimeout"/> are removed by <see cref="WorkspaceSweeper"/>.
/// </summary>
public sealed partial class WorkspaceStore
{
    private readonly SandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkspaceStore> _logger;
    private readonly ConcurrentDictionary<string, int> _inUse = new(StringComparer.Ordinal);
    private readonly bool _privileged = Interop.GetEffectiveUserId() == 0;
    private const string ServerPrefix = "mcp-";

    public WorkspaceStore(IOptions<ToolsStorageOptions> storage, IOptions<SandboxOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<WorkspaceStore> logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _time = time;
        _logger = logger;
        Root = Path.Combine(storage.Value.FullPath(environment), "workspaces");
    }

    /// <summary>The folder every workspace is under.</summary>
    public string Root { get; }

    /// <summary>The workspace of <paramref name="runId"/> in <paramref name="tenant"/>, made on first use.</summary>
    public Workspace ForRun(string tenant, string runId)
    {
        var path = RunPath(tenant, runId);
        var uid = _options.UidBase + (int)(BitConverter.ToUInt32(Hash($"{tenant}\n{runId}"), 0) % (uint)_options.UidCount);
        Prepare(path, uid);
        Directory.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        return Hold(path, uid, ephemeral: false);
    }

    /// <summary>The workspace of a tenant's MCP server on stdio: kept until the server is removed, never swept as idle.</summary>
    public Workspace ForServer(string tenant, string server)
    {
        var path = ServerPath(tenant, server);
        var uid = _options.UidBase + (int)(BitConverter.ToUInt32(Hash($"{tenant}\nmcp\n{server}"), 0) % (uint)_options.UidCount);
        Prepare(path, uid);
        return Hold(path, uid, ephemeral: false);
    }

    /// <summary>Removes an MCP server's workspace.</summary>
    public void EndServer(string tenant, string server)
    {
        var path = ServerPath(tenant, server);
        if (Directory.Exists(path))
        {
            Remove(path);
        }
    }

    /// <summary>A fresh workspace for one call outside any run, removed when it is disposed.</summary>
    public Workspace Ephemeral()
    {
        var path = Path.Combine(Root, "calls", Guid.NewGuid().ToString("N"));
        var uid = _options.UidBase + RandomNumberGenerator.GetInt32(_options.UidCount);
        Prepare(path, uid);
        return Hold(path, uid, ephemeral: true);
    }

    /// <summary>Whether the run has a workspace now.</summary>
    public bool Exists(string tenant, string runId) => Directory.Exists(RunPath(tenant, runId));

    /// <summary>Removes the run's workspace; false when it had none.</summary>
    public bool End(string tenant, string runId)
    {
        var path = RunPath(tenant, runId);
        if (!Directory.Exists(path))
        {
            return false;
        }

        Remove(path);
        return true;
    }

    /// <summary>Removes run workspaces not used since <paramref name="before"/> (and not in use now); how many.</summary>
    public int RemoveIdle(DateTimeOffset before)
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var removed = 0;
        foreach (var tenant in Directory.EnumerateDirectories(Root).Where(d => Path.GetFileName(d) != "calls"))
        {
            foreach (var run in Directory.EnumerateDirectories(tenant).Where(d => !Path.GetFileName(d).StartsWith(ServerPrefix, StringComparison.Ordinal)))
            {
                if (!_inUse.ContainsKey(run) && Directory.GetLastWriteTimeUtc(run) < before.UtcDateTime)
                {
                    Remove(run);
                    removed++;
                }
            }
        }

        // Ephemeral workspaces of calls cut short by a crash.
        var calls = Path.Combine(Root, "calls");
        if (Directory.Exists(calls))
        {
            foreach (var call in Directory.EnumerateDirectories(calls).Where(c => !_inUse.ContainsKey(c) && Directory.GetLastWriteTimeUtc(c) < before.UtcDateTime))
            {
                Remove(call);
            }
        }

        return removed;
    }

    private string ServerPath(string tenant, string server) =>
        Path.Combine(Root, Convert.ToHexStringLower(Hash(tenant))[..32], ServerPrefix + Convert.ToHexStringLower(Hash($"{tenant}\n{server}"))[..32]);

    private string RunPath(string tenant, string runId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        return Path.Combine(Root, Convert.ToHexStringLower(Hash(tenant))[..32], Convert.ToHexStringLower(Hash($"{tenant}\n{runId}"))[..40]);
    }

    private void Prepare(string path, int uid)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("sandbox workspaces need Linux");
        }

        // Parents: traversable by the sandbox's uid (to bind its own folder), listable by no one else.
        foreach (var parent in new[] { Root, Path.GetDirectoryName(path)! })
        {
            if (!Directory.Exists(parent))
            {
                Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        if (Directory.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (_privileged)
        {
            Chown(path, uid);
        }
    }

    private Workspace Hold(string path, int uid, bool ephemeral)
    {
        _inUse.AddOrUpdate(path, 1, (_, count) => count + 1);
        return new Workspace(path, _privileged ? uid : (int)Interop.GetEffectiveUserId(), workspace =>
        {
            if (_inUse.AddOrUpdate(path, 0, (_, count) => count - 1) <= 0)
            {
                _inUse.TryRemove(new KeyValuePair<string, int>(path, 0));
            }

            if (ephemeral)
            {
                Remove(workspace.HostPath);
            }
        });
    }

    /// <summary>Deletes a workspace without following its links (a tool may have made any).</summary>
    private void Remove(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogRemoveFailed(_logger, path, ex);
        }
    }

    private static void Chown(string path, int uid)
    {
        if (Interop.Chown(path, uid, uid) != 0)
        {
            throw new IOException($"cannot give the workspace {path} to uid {uid} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }
    }

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "Could not remove the sandbox workspace {Path}")]
    private static partial void LogRemoveFailed(ILogger logger, string path, Exception exception);
}
