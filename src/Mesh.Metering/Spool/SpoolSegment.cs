namespace Mesh.Metering.Spool;

/// <summary>
/// One file of the spool and how many of its events the sink does not have yet. It is deleted
/// when it is closed for writing (sealed) and every event in it was delivered or parked.
/// </summary>
public sealed class SpoolSegment
{
    private int _pending;
    private int _sealed;
    private int _deleted;

    internal SpoolSegment(string path) => Path = path;

    public string Path { get; }

    /// <summary>An event of this segment reached the sink (or the dead letters): it need not be kept.</summary>
    public void Delivered()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            DeleteIfDone();
        }
    }

    /// <summary>Called by the spool, under its lock, after the event is written.</summary>
    internal void Added() => Interlocked.Increment(ref _pending);

    /// <summary>Called by the spool, under its lock, once nothing more is written to it.</summary>
    internal void Seal()
    {
        Volatile.Write(ref _sealed, 1);
        DeleteIfDone();
    }

    private void DeleteIfDone()
    {
        if (Volatile.Read(ref _sealed) == 1 && Volatile.Read(ref _pending) == 0 && Interlocked.Exchange(ref _deleted, 1) == 0)
        {
            File.Delete(Path);
        }
    }
}

/// <summary>A segment a previous process left behind, with the events it holds; delivered again on start.</summary>
public sealed record RecoveredSegment(string Path, IReadOnlyList<Usage.V1.UsageEvent> Events)
{
    /// <summary>Every event of it reached the sink: the file goes.</summary>
    public void Delivered() => File.Delete(Path);
}
