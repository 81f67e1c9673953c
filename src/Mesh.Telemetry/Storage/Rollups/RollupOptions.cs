namespace Mesh.Telemetry.Storage.Rollups;

/// <summary>The daily roll-up compactor (<c>Mesh:Telemetry:Rollups</c>).</summary>
public sealed class RollupOptions
{
    public const string SectionName = "Mesh:Telemetry:Rollups";

    /// <summary>Compacts in the background; off, queries read the events for what was ingested since the last compaction.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the compactor runs; the first run is at start (it fills the roll-ups of a store made before them).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// ClickHouse only: how far behind now the watermark stays, so a batch stamped before it but
    /// still in flight (or stamped by a replica whose clock runs behind) is never skipped.
    /// </summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(2);

    public IEnumerable<string> Problems()
    {
        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:Interval must be between 00:00:01 and 1.00:00:00; got {Interval}";
        }

        if (Grace < TimeSpan.Zero || Grace > TimeSpan.FromHours(1))
        {
            yield return $"{SectionName}:Grace must be between 00:00:00 and 01:00:00; got {Grace}";
        }
    }
}
