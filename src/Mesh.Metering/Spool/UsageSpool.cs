using System.Globalization;
using System.IO.MemoryMappedFiles;
using Google.Protobuf;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Spool;

/// <summary>
/// The append-only file every usage event is written to before the call that made it completes
/// (so a SIGKILL loses none: each event is in the page cache by then), forced to disk every
/// <see cref="SpoolOptions.FsyncInterval"/>, and deleted segment by segment once the sink has
/// them. Segments are files of <see cref="SpoolOptions.SegmentBytes"/> mapped into memory, so
/// an append is a copy, not a system call. A process holds one slot folder (an exclusive lock on its <c>.lock</c> file); on start
/// it takes what an earlier process left in that slot and delivers it again (stores keep one
/// copy per event id, so a replay never doubles a bill).
/// </summary>
public sealed partial class UsageSpool : IDisposable
{
    private const int MaxSlots = 64;
    private const string Extension = ".spool";

    private readonly Lock _lock = new();
    private readonly SpoolOptions _options;
    private readonly ILogger<UsageSpool> _logger;
    private readonly FileStream _slotLock;
    private readonly ITimer? _fsync;
    private List<string>? _leftovers;
    private MemoryMappedFile? _file;
    private MemoryMappedViewAccessor? _view;
    private SpoolSegment? _current;
    private long _offset;
    private long _sequence;
    private bool _dirty;
    private bool _disposed;

    public UsageSpool(IOptions<SpoolOptions> options, MeshServiceInfo service, TimeProvider time, ILogger<UsageSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        _options = options.Value;
        _logger = logger;
        Root = _options.DirectoryFor(service.Name);
        (SlotDirectory, _slotLock) = TakeSlot(Root);
        _leftovers = [.. Directory.GetFiles(SlotDirectory, "*" + Extension).Order(StringComparer.Ordinal)];
        _sequence = _leftovers.Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max();
        if (_options.FsyncInterval > TimeSpan.Zero)
        {
            _fsync = time.CreateTimer(_ => Fsync(), null, _options.FsyncInterval, _options.FsyncInterval);
        }
    }

    /// <summary>The service's spool folder (all slots, and the dead letters).</summary>
    public string Root { get; }

    /// <summary>This process's slot.</summary>
    public string SlotDirectory { get; }

    /// <summary>
    /// Copies <paramref name="usageEvent"/> into the current segment, a shared mapping of its file:
    /// once copied it is in the page cache, which outlives the process. Returns the segment, to tell
    /// it when the event was delivered.
    /// </summary>
    public SpoolSegment Append(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        return Append(usageEvent.ToByteArray());
    }

    /// <summary>
    /// Copies an event already serialized (<paramref name="payload"/>, its protobuf) into the
    /// current segment, as <see cref="Append(UsageEvent)"/> does: the caller serializes once and
    /// ships the same bytes.
    /// </summary>
    public SpoolSegment Append(ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[SpoolRecords.HeaderBytes];
        SpoolRecords.WriteHeader(payload, header);
        var size = SpoolRecords.HeaderBytes + payload.Length;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is null || _offset + size > _view!.Capacity)
            {
                Roll(size);
            }

            var at = (ulong)(_view!.PointerOffset + _offset);
            _view.SafeMemoryMappedViewHandle.WriteSpan(at, (ReadOnlySpan<byte>)header);
            _view.SafeMemoryMappedViewHandle.WriteSpan(at + SpoolRecords.HeaderBytes, payload);
            _offset += size;
            _current!.Added();
            if (_options.FsyncInterval == TimeSpan.Zero)
            {
                _view.Flush();
            }
            else
            {
                _dirty = true;
            }

            return _current;
        }
    }

    /// <summary>What earlier processes left in this slot, oldest first; given out once.</summary>
    public IReadOnlyList<RecoveredSegment> TakeLeftovers()
    {
        var paths = Interlocked.Exchange(ref _leftovers, null) ?? [];
        var segments = new List<RecoveredSegment>(paths.Count);
        foreach (var path in paths)
        {
            var events = SpoolRecords.ReadAll(path, out var torn);
            if (torn)
            {
                LogTornTail(_logger, path, events.Count);
            }

            segments.Add(new RecoveredSegment(path, events));
        }

        return segments;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _fsync?.Dispose();
            CloseCurrent();
            _slotLock.Dispose();
        }
    }

    /// <summary>Closes the current segment (forced to disk) and opens the next, large enough for a record of <paramref name="recordBytes"/>.</summary>
    private void Roll(int recordBytes)
    {
        CloseCurrent();
        var path = Path.Combine(SlotDirectory, (++_sequence).ToString("D12", CultureInfo.InvariantCulture) + Extension);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.CreateNew, null, Math.Max(_options.SegmentBytes, recordBytes), MemoryMappedFileAccess.ReadWrite);
        _view = _file.CreateViewAccessor();
        _current = new SpoolSegment(path);
        _offset = 0;
    }

    private void CloseCurrent()
    {
        if (_view is null)
        {
            return;
        }

        if (_dirty)
        {
            _view.Flush();
            _dirty = false;
        }

        _view.Dispose();
        _file!.Dispose();
        (_view, _file) = (null, null);
        _current!.Seal();
        _current = null;
    }

    /// <summary>Forces what was written to disk (msync), outside the lock: appends go on meanwhile.</summary>
    private void Fsync()
    {
        MemoryMappedViewAccessor? view;
        lock (_lock)
        {
            view = _dirty ? _view : null;
            if (view is null)
            {
                return;
            }

            _dirty = false;
        }

        try
        {
            view.Flush();
        }
        catch (ObjectDisposedException)
        {
            // rolled meanwhile: closing the segment forced it to disk
        }
        catch (IOException ex)
        {
            LogFsyncFailed(_logger, ex);
            lock (_lock)
            {
                _dirty = true;
            }
        }
    }

    /// <summary>The first slot folder no running process holds, locked for this one.</summary>
    private static (string Slot, FileStream Lock) TakeSlot(string root)
    {
        for (var i = 0; i < MaxSlots; i++)
        {
            var slot = Path.Combine(root, $"slot-{i}");
            Directory.CreateDirectory(slot);
            try
            {
                return (slot, new FileStream(Path.Combine(slot, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException)
            {
                // held by another running process
            }
        }

        throw new InvalidOperationException($"all {MaxSlots} usage spool slots under {root} are held by running processes; set {SpoolOptions.SectionName}:Directory per process");
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "Usage spool segment {Path} ends in a torn record (a power loss while writing); the {Count} whole events before it are delivered")]
    private static partial void LogTornTail(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Forcing the usage spool to disk failed; retrying at the next interval")]
    private static partial void LogFsyncFailed(ILogger logger, Exception exception);
}
