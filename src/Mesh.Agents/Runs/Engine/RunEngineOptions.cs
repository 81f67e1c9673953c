namespace Mesh.Agents.Runs.Engine;

/// <summary>How runs are stored and executed (<c>Mesh:Agents:Runs</c>).</summary>
public sealed class RunEngineOptions
{
    public const string SectionName = "Mesh:Agents:Runs";
    public const string ConnectionStringName = "agents-db";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (embedded, the default) or <c>postgres</c> (replicas share runs).</summary>
    public string Store { get; set; } = Sqlite;

    /// <summary>The SQLite file, relative to the content root.</summary>
    public string DatabasePath { get; set; } = "data/runs.db";

    /// <summary>SQLite's synchronous setting: <c>normal</c> (the default: a committed step survives the process being killed; the last commits may be lost if the machine loses power) or <c>full</c> (fsync per group commit: survives power loss too).</summary>
    public string SqliteSynchronous { get; set; } = "normal";

    /// <summary>The PostgreSQL connection string; filled from <c>ConnectionStrings:agents-db</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a replica's claim on a run lasts without renewal; another replica takes the run over after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a replica looks for runs to take (waits that timed out, runs of dead replicas, runs other replicas started).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs one replica executes at once.</summary>
    public int MaxConcurrentRuns { get; set; } = 256;

    /// <summary>Step results larger than this are stored once by content hash outside the history.</summary>
    public int LargeResultBytes { get; set; } = 64 * 1024;

    /// <summary>Usage events published this recently are published again after a restart (telemetry keeps one per id).</summary>
    public TimeSpan UsageRepublishWindow { get; set; } = TimeSpan.FromMinutes(2);

    public bool UsesPostgres => string.Equals(Store, Postgres, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Problems()
    {
        if (!UsesPostgres && !string.Equals(Store, Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{SectionName}:Store must be {Sqlite} or {Postgres}, not '{Store}'";
        }

        if (UsesPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return $"{SectionName}:Store is {Postgres}: set ConnectionStrings:{ConnectionStringName} (Host=...;Username=...;Database=...)";
        }

        if (!UsesPostgres && string.IsNullOrWhiteSpace(DatabasePath))
        {
            yield return $"{SectionName}:DatabasePath must name a file";
        }

        if (SqliteSynchronous is not ("normal" or "full"))
        {
            yield return $"{SectionName}:SqliteSynchronous must be normal or full, not '{SqliteSynchronous}'";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration > TimeSpan.FromMinutes(10))
        {
            yield return $"{SectionName}:LeaseDuration must be from 1 s to 10 min";
        }

        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"{SectionName}:PollInterval must be from 10 ms to 1 min";
        }

        if (MaxConcurrentRuns is < 1 or > 10_000)
        {
            yield return $"{SectionName}:MaxConcurrentRuns must be from 1 to 10000";
        }

        if (LargeResultBytes is < 1024 or > 16 * 1024 * 1024)
        {
            yield return $"{SectionName}:LargeResultBytes must be from 1 KiB to 16 MiB";
        }
    }
}
