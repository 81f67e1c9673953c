using System.Globalization;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// The command line of one sandboxed run: a small <c>/bin/sh</c> wrapper, started by the
/// supervisor, that puts itself into the run's control groups and sets the rlimits (the second
/// line behind the cgroups) before anything of the tool runs, drops to the run's unprivileged uid
/// (<c>setpriv</c>) and becomes bubblewrap: new user (uid 65534 inside, no nested user
/// namespaces), PID, network (loopback only), IPC, UTS and cgroup namespaces, a read-only view of
/// the system, a private /tmp and /workspace, no capabilities, killed with its parent.
/// </summary>
public static class SandboxCommand
{
    public const string Shell = "/bin/sh";
    public const string SetprivPath = "/usr/bin/setpriv";

    /// <summary>
    /// $1: how many cgroup.procs files follow; then the rlimits; then the seccomp filter's path
    /// (empty: none), opened on fd 9 without close-on-exec so bubblewrap inherits it; then the command.
    /// </summary>
    private const string Wrapper = """
        n=$1; shift
        while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "mesh-sandbox: cannot join the cgroup $1" >&2; exit 125; }; shift; n=$((n - 1)); done
        ulimit -c 0 && ulimit -n 256 && ulimit -v "$1" && ulimit -f "$2" && ulimit -t "$3" && ulimit -p "$4" || { echo "mesh-sandbox: cannot set the rlimits" >&2; exit 126; }
        shift 4
        if [ -n "$1" ]; then command exec 9<"$1" || { echo "mesh-sandbox: cannot open the seccomp filter $1" >&2; exit 124; }; fi
        shift
        umask 077
        exec "$@"
        """;

    /// <summary>How the wrapper's own complaints begin on stderr.</summary>
    public const string WrapperMessage = "mesh-sandbox: ";

    /// <summary>Exit status of the wrapper when it could not join the run's cgroups.</summary>
    public const int CgroupJoinFailed = 125;

    /// <summary>Exit status of the wrapper when it could not set the rlimits.</summary>
    public const int RlimitsFailed = 126;

    /// <summary>Exit status of the wrapper when it could not open the seccomp filter.</summary>
    public const int SeccompOpenFailed = 124;

    /// <summary>Whether <paramref name="exitCode"/> is the wrapper's own failure (before the tool ran) rather than the tool's.</summary>
    public static bool IsWrapperFailure(int exitCode) => exitCode is CgroupJoinFailed or RlimitsFailed or SeccompOpenFailed;

    /// <summary>The arguments of <see cref="Shell"/>; <paramref name="seccompFilter"/>: the path of the compiled filter, or null for none.</summary>
    public static IReadOnlyList<string> Arguments(SandboxOptions options, SandboxRequest request, IReadOnlyList<string> procsFiles, bool dropPrivileges, string? seccompFilter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(procsFiles);
        var limits = request.Limits;
        var arguments = new List<string> { "-c", Wrapper, "mesh-sandbox", Text(procsFiles.Count) };
        arguments.AddRange(procsFiles);
        // Address space: generous beside the cgroup's limit (interpreters reserve far more than they use).
        arguments.Add(Text(Math.Max(limits.MemoryBytes * 4, 1L << 30) / 1024));
        arguments.Add(Text(options.MaxFileBytes / 512));
        arguments.Add(Text((long)Math.Ceiling(request.Timeout.TotalSeconds * limits.CpuCores) + 1));
        // Counted per host uid: the run's own uid, with room for the processes of calls just ended.
        arguments.Add(Text(limits.MaxProcesses + 32));
        arguments.Add(seccompFilter ?? "");
        if (dropPrivileges)
        {
            var uid = Text(request.Workspace.Uid);
            arguments.AddRange([SetprivPath, $"--reuid={uid}", $"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]);
        }

        arguments.AddRange(Bwrap(options, request, seccomp: seccompFilter is not null));
        return arguments;
    }

    /// <summary>bubblewrap and its arguments, then the command; with <paramref name="seccomp"/>, the filter read from fd 9.</summary>
    public static IReadOnlyList<string> Bwrap(SandboxOptions options, SandboxRequest request, bool seccomp)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);
        var arguments = new List<string>
        {
            options.BwrapPath,
            "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr",
        };
        foreach (var top in new[] { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" })
        {
            var info = new DirectoryInfo(top);
            if (info.LinkTarget is { } target)
            {
                arguments.AddRange(["--symlink", target, top]);
            }
            else if (info.Exists)
            {
                arguments.AddRange(["--ro-bind", top, top]);
            }
        }

        foreach (var path in options.SystemPaths)
        {
            arguments.AddRange(["--ro-bind-try", path, path]);
        }

        arguments.AddRange(["--proc", "/proc", "--dev", "/dev", "--size", Text(options.TmpBytes), "--tmpfs", "/tmp"]);
        arguments.AddRange(["--bind", request.Workspace.HostPath, "/workspace"]);
        if (request.ToolDirectory is not null)
        {
            arguments.AddRange(["--ro-bind", request.ToolDirectory, "/tool"]);
        }

        foreach (var path in request.ReadOnlyPaths)
        {
            arguments.AddRange(["--ro-bind", path, path]);
        }

        var searchPath = string.Join(':', request.ReadOnlyPaths.Select(p => Path.Combine(p, "node_modules", ".bin")).Append("/usr/local/bin:/usr/bin:/bin"));
        arguments.AddRange(["--chdir", "/workspace", "--clearenv"]);
        foreach (var (name, value) in request.Environment)
        {
            arguments.AddRange(["--setenv", name, value]);
        }

        arguments.AddRange([
            "--setenv", "PATH", searchPath,
            "--setenv", "HOME", "/workspace",
            "--setenv", "TMPDIR", "/tmp",
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            "--cap-drop", "ALL",
        ]);
        if (seccomp)
        {
            arguments.AddRange(["--seccomp", Text(Seccomp.SeccompFilter.Descriptor)]);
        }

        arguments.Add("--");
        arguments.AddRange(request.Command);
        return arguments;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
