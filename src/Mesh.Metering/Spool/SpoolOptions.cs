namespace Mesh.Metering.Spool;

/// <summary>
/// The usage spool (<c>Mesh:Usage:Spool</c>): every usage event is appended to a local file
/// before the call that made it completes, and removed once the sink has it, so a crash of the
/// process loses no billed work.
/// </summary>
public sealed class SpoolOptions
{
    public const string SectionName = "Mesh:Usage:Spool";

    /// <summary>Off only where losing buffered usage on a crash is acceptable (benchmarks of the buffer alone).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where the spool lives; each process takes a slot folder of its own under it (a replica or a
    /// restart takes over a slot that no running process holds, with what was left in it).
    /// Default: <c>~/.local/share/mesh/usage-spool/&lt;service&gt;</c>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>A segment file is closed and a new one started past this size; a segment is deleted once all its events are delivered.</summary>
    public long SegmentBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How often written events are forced to the disk (fsync). A process crash never loses an
    /// event, whatever this is: each is in the operating system's page cache before its call
    /// completes. A power loss can lose at most this much; zero forces every event (slow).
    /// </summary>
    public TimeSpan FsyncInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Problems()
    {
        if (SegmentBytes < 64 * 1024)
        {
            yield return $"{SectionName}:SegmentBytes must be at least 65536";
        }

        if (FsyncInterval < TimeSpan.Zero)
        {
            yield return $"{SectionName}:FsyncInterval must not be negative";
        }

        if (Directory is { Length: 0 })
        {
            yield return $"{SectionName}:Directory must not be empty (leave it out for the default)";
        }
    }

    /// <summary>The spool folder of <paramref name="service"/>.</summary>
    public string DirectoryFor(string service) => Directory ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "mesh", "usage-spool", service);
}
