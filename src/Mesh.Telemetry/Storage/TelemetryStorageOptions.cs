namespace Mesh.Telemetry.Storage;

/// <summary>Where telemetry keeps usage (<c>Mesh:Telemetry</c>).</summary>
public sealed class TelemetryStorageOptions
{
    public const string SectionName = "Mesh:Telemetry";

    /// <summary>The DuckDB file; a relative path is under the content root. Its folder is created.</summary>
    public string DuckDbPath { get; set; } = "data/usage.duckdb";
}
