using System.Security.Cryptography;
using System.Text;
using Mesh.Tools.Storage;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Sandbox;

/// <summary>
/// The files of registered process tools on the host, seen read-only as <c>/tool</c> in their
/// sandboxes: written once per content (<c>tool-files/&lt;hash&gt;/</c>), owned by the service,
/// readable by every sandbox uid, writable by none.
/// </summary>
public sealed class ToolFiles(IOptions<ToolsStorageOptions> storage, IHostEnvironment environment)
{
    private readonly string _root = Path.Combine(storage.Value.FullPath(environment), "tool-files");
    private readonly Lock _writing = new();

    /// <summary>Null when a relative file name is acceptable, else what is wrong.</summary>
    public static string? NameProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > 255 || name.Contains('\0', StringComparison.Ordinal) || name.StartsWith('/'))
        {
            return "must be a relative path of 1 to 255 characters";
        }

        return name.Split('/').Any(part => part is "" or "." or "..") ? "must not contain empty, '.' or '..' parts" : null;
    }

    /// <summary>The host folder holding <paramref name="files"/>, written on first use; null when there are none.</summary>
    public string? FolderOf(IReadOnlyDictionary<string, string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            return null;
        }

        var folder = Path.Combine(_root, Digest(files));
        if (Directory.Exists(folder))
        {
            return folder;
        }

        lock (_writing)
        {
            if (Directory.Exists(folder))
            {
                return folder;
            }

            var staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
            foreach (var (name, content) in files)
            {
                var path = Path.GetFullPath(Path.Combine(staging, name));
                if (NameProblem(name) is not null || !path.StartsWith(staging + "/", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"tool file name '{name}' was not checked at registration");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, content);
                if (!OperatingSystem.IsWindows())
                {
                    // Executable by anyone: a file may be the tool's program.
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                }
            }

            Directory.Move(staging, folder);
            return folder;
        }
    }

    private static string Digest(IReadOnlyDictionary<string, string> files)
    {
        var text = new StringBuilder();
        foreach (var (name, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('\0').Append(content.Length).Append('\0').Append(content).Append('\0');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
