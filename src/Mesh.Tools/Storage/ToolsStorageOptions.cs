namespace Mesh.Tools.Storage;

/// <summary>
/// Where the tools service keeps its state (<c>Mesh:Tools</c>): in <see cref="DataDirectory"/> the
/// SQLite database (<c>tools.db</c>: registry, MCP servers, allow-lists, and the idempotency
/// records when <see cref="Store"/> is sqlite), the knowledge sets (<c>knowledge.duckdb</c>, when
/// sqlite) and the sandbox workspaces (<c>workspaces/</c>); with <see cref="Store"/> postgres, the
/// idempotency records and knowledge sets in PostgreSQL (<c>ConnectionStrings:tools-db</c>), shared
/// by instances.
/// </summary>
public sealed class ToolsStorageOptions
{
    public const string SectionName = "Mesh:Tools";
    public const string ConnectionStringName = "tools-db";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>The folder, relative to the content root; created when missing.</summary>
    public string DataDirectory { get; set; } = "data/tools";

    /// <summary><c>sqlite</c> (embedded, the default) or <c>postgres</c> (instances share idempotency records and knowledge sets).</summary>
    public string Store { get; set; } = Sqlite;

    /// <summary>The PostgreSQL connection string; filled from <c>ConnectionStrings:tools-db</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool UsesPostgres => string.Equals(Store, Postgres, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return $"{SectionName}:DataDirectory must name a folder";
        }

        if (!UsesPostgres && !string.Equals(Store, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{SectionName}:Store must be {Sqlite} or {Postgres}, not '{Store}'";
        }

        if (UsesPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return $"{SectionName}:Store is {Postgres}: set ConnectionStrings:{ConnectionStringName} (Host=...;Username=...;Database=...)";
        }
    }

    /// <summary>The folder as an absolute path.</summary>
    public string FullPath(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Path.GetFullPath(Path.Combine(environment.ContentRootPath, DataDirectory));
    }
}
