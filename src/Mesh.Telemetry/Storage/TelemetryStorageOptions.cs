using Mesh.Telemetry.Storage.ClickHouse;

namespace Mesh.Telemetry.Storage;

/// <summary>Where telemetry keeps usage (<c>Mesh:Telemetry</c>).</summary>
public sealed class TelemetryStorageOptions
{
    public const string SectionName = "Mesh:Telemetry";
    public const string DuckDb = "duckdb";
    public const string ClickHouse = "clickhouse";
    public const string ClickHouseConnectionName = "clickhouse";

    /// <summary><c>duckdb</c> (embedded, default) or <c>clickhouse</c> (distributed; <c>ConnectionStrings:clickhouse</c>).</summary>
    public string Store { get; set; } = DuckDb;

    /// <summary>The DuckDB file; a relative path is under the content root. Its folder is created.</summary>
    public string DuckDbPath { get; set; } = "data/usage.duckdb";

    /// <summary>The ClickHouse database usage lives in.</summary>
    public string ClickHouseDatabase { get; set; } = ClickHouseSchema.DefaultDatabase;

    /// <summary>Creates the ClickHouse schema at start (it is idempotent); off when a migrator does it first.</summary>
    public bool MigrateOnStart { get; set; }

    public IEnumerable<string> Problems()
    {
        if (Store is not (DuckDb or ClickHouse))
        {
            yield return $"{SectionName}:Store must be '{DuckDb}' or '{ClickHouse}'";
        }

        if (Store == DuckDb && string.IsNullOrWhiteSpace(DuckDbPath))
        {
            yield return $"{SectionName}:DuckDbPath must name a file";
        }

        if (Store == ClickHouse && !ClickHouseSchema.IsIdentifier(ClickHouseDatabase))
        {
            yield return $"{SectionName}:ClickHouseDatabase must be a plain identifier (letters, digits, underscores)";
        }
    }
}
