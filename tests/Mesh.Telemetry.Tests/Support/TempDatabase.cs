namespace Mesh.Telemetry.Tests.Support;

/// <summary>A DuckDB file path in a fresh temporary folder, removed on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly string _folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mesh-telemetry-tests", Guid.NewGuid().ToString("N"));

    public TempDatabase()
    {
        Directory.CreateDirectory(_folder);
        Path = System.IO.Path.Combine(_folder, "usage.duckdb");
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere in the process: the temp folder is cleaned later.
        }
    }
}
