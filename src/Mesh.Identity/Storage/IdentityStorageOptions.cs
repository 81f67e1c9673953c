using Npgsql;

namespace Mesh.Identity.Storage;

/// <summary>
/// Where identity keeps its state (<c>Mesh:Identity</c>): an embedded SQLite file (one
/// process), or a PostgreSQL database that several replicas share
/// (<c>ConnectionStrings:identity-db</c>).
/// </summary>
public sealed class IdentityStorageOptions
{
    public const string SectionName = "Mesh:Identity";
    public const string ConnectionStringName = "identity-db";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public string Store { get; set; } = Sqlite;

    /// <summary>The SQLite database file, relative to the content root; created when missing.</summary>
    public string DatabasePath { get; set; } = "data/identity.db";

    /// <summary>The PostgreSQL connection string; filled from <c>ConnectionStrings:identity-db</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool UsesPostgres => string.Equals(Store, Postgres, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Problems()
    {
        if (!UsesPostgres && !string.Equals(Store, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{SectionName}:Store must be {Sqlite} or {Postgres}, not '{Store}'";
            yield break;
        }

        if (!UsesPostgres)
        {
            if (string.IsNullOrWhiteSpace(DatabasePath))
            {
                yield return $"{SectionName}:DatabasePath must name a file";
            }

            yield break;
        }

        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return $"{SectionName}:Store is {Postgres}: set ConnectionStrings:{ConnectionStringName} (Host=...;Username=...;Password=...;Database=...)";
            yield break;
        }

        foreach (var problem in ConnectionStringProblems(ConnectionString))
        {
            yield return problem;
        }
    }

    private static List<string> ConnectionStringProblems(string connectionString)
    {
        NpgsqlConnectionStringBuilder parsed;
        try
        {
            parsed = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            return [$"ConnectionStrings:{ConnectionStringName} is not a valid PostgreSQL connection string: {ex.Message}"];
        }

        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(parsed.Host))
        {
            problems.Add($"ConnectionStrings:{ConnectionStringName} must name a Host");
        }

        if (string.IsNullOrWhiteSpace(parsed.Database))
        {
            problems.Add($"ConnectionStrings:{ConnectionStringName} must name a Database (identity keeps its tables there)");
        }

        if (string.IsNullOrWhiteSpace(parsed.Username))
        {
            problems.Add($"ConnectionStrings:{ConnectionStringName} must name a Username");
        }

        return problems;
    }
}
