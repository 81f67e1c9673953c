namespace Mesh.Tools.Sandbox;

/// <summary>
/// Which programs a sandbox may be started with: one of the tool's files (under <c>/tool/</c>), or
/// an executable of what the sandbox sees read-only (the system's /usr, /bin, /sbin, and the
/// folders of installed MCP servers), never one that manages privileges, namespaces or mounts,
/// never set-user-id.
/// </summary>
public static class SandboxPrograms
{
    private static readonly string[] SystemPath = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

    /// <summary>Why the sandbox may not run <paramref name="program"/>, or null.</summary>
    public static string? Problem(SandboxOptions options, string program, IReadOnlyCollection<string> toolFiles, IReadOnlyList<string> readOnlyRoots)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(toolFiles);
        ArgumentNullException.ThrowIfNull(readOnlyRoots);
        var name = Path.GetFileName(program);
        if (options.DeniedCommands.Contains(name, StringComparer.Ordinal))
        {
            return $"'{program}' is not allowed in the sandbox (it manages privileges, namespaces or mounts)";
        }

        if (program.StartsWith("/tool/", StringComparison.Ordinal))
        {
            return toolFiles.Contains(program["/tool/".Length..]) ? null : $"'{program}' is not one of the tool's files ({string.Join(", ", toolFiles)})";
        }

        var visible = SystemPath.Concat(readOnlyRoots.Select(r => Path.Combine(r, "node_modules", ".bin"))).ToList();
        var host = program.StartsWith('/') ? program : visible.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        if (host is null || !File.Exists(host))
        {
            return $"'{program}' is not an executable the sandbox sees (the system's /usr read-only{(readOnlyRoots.Count > 0 ? ", installed MCP servers" : "")}) nor one of the tool's files under /tool/";
        }

        if (!host.StartsWith("/usr/", StringComparison.Ordinal) && !visible.Any(d => host.StartsWith(d + "/", StringComparison.Ordinal))
            && !readOnlyRoots.Any(r => host.StartsWith(r.TrimEnd('/') + "/", StringComparison.Ordinal)))
        {
            return $"'{program}' is outside what the sandbox sees (/usr, /bin, /sbin) and not under /tool/";
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(host);
            if ((mode & (UnixFileMode.SetUser | UnixFileMode.SetGroup)) != 0)
            {
                return $"'{program}' is set-user-id or set-group-id, which is not allowed in the sandbox";
            }

            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                return $"'{program}' is not executable by the sandbox's unprivileged user";
            }
        }

        return null;
    }
}
