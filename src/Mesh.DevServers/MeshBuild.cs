using System.Reflection;

namespace Mesh.DevServers;

/// <summary>Finds the repository and the built output of its projects.</summary>
public static class MeshBuild
{
    /// <summary>The folder holding <c>Mesh.sln</c>, above the running binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Mesh.sln was not found above {AppContext.BaseDirectory}");
    }

    /// <summary>
    /// The built dll of <c>src/&lt;project&gt;</c>, in the configuration the caller was built in
    /// (falling back to any built configuration).
    /// </summary>
    public static string ProjectAssembly(string project, Assembly? caller = null)
    {
        var configuration = (caller ?? Assembly.GetCallingAssembly()).GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var bin = Path.Combine(RepositoryRoot(), "src", project, "bin");
        foreach (var candidate in new[] { configuration, "Debug", "Release" })
        {
            var path = Path.Combine(bin, candidate, "net10.0", project + ".dll");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new InvalidOperationException($"{project} is not built (looked in {bin}); build the solution first");
    }
}
