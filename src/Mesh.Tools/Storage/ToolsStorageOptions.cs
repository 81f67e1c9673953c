namespace Mesh.Tools.Storage;

/// <summary>
/// Where the tools service keeps its state (<c>Mesh:Tools:DataDirectory</c>): the SQLite database
/// (<c>tools.db</c>: registry, MCP servers, allow-lists, idempotency records), the knowledge
/// vectors (<c>knowledge.duckdb</c>) and the sandbox workspaces (<c>workspaces/</c>).
/// </summary>
public sealed class ToolsStorageOptions
{
    public const string SectionName = "Mesh:Tools";

    /// <summary>The folder, relative to the content root; created when missing.</summary>
    public string DataDirectory { get; set; } = "data/tools";

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return $"{SectionName}:DataDirectory must name a folder";
        }
    }

    /// <summary>The folder as an absolute path.</summary>
    public string FullPath(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Path.GetFullPath(Path.Combine(environment.ContentRootPath, DataDirectory));
    }
}
