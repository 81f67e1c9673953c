using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Tests;

public sealed class UsageSpoolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"mesh-spool-tests-{Guid.NewGuid():N}");

    [Fact]
    public void Append_ProcessEndsBeforeDelivery_NextSpoolInTheFolderRecoversEveryEvent()
    {
        var first = Open();
        var ids = Enumerable.Range(0, 100).Select(i => Append(first, $"event-{i}").Id).ToList();
        first.Dispose(); // as a crash leaves it: nothing was delivered

        using var next = Open();
        var recovered = next.TakeLeftovers();

        Assert.Equal(ids, recovered.SelectMany(s => s.Events).Select(e => e.EventId));
        Assert.Empty(next.TakeLeftovers());
    }

    [Fact]
    public void Delivered_EveryEventOfAClosedSegment_DeletesItsFile()
    {
        using var spool = Open(segmentBytes: 64 * 1024);
        var appended = Enumerable.Range(0, 400).Select(i => Append(spool, $"event-{i}", padding: 400)).ToList();
        var segments = appended.Select(a => a.Segment).Distinct().ToList();
        Assert.True(segments.Count > 1, "the events should span several segments");

        foreach (var (_, segment) in appended.Where(a => a.Segment != segments[^1]))
        {
            segment.Delivered();
        }

        Assert.Equal([segments[^1].Path], Directory.GetFiles(spool.SlotDirectory, "*.spool"));
    }

    [Fact]
    public void TakeLeftovers_TornLastRecord_ReturnsTheWholeRecordsBeforeIt()
    {
        var first = Open();
        var (_, segment) = Append(first, "whole-1");
        Append(first, "whole-2");
        Append(first, "torn-3");
        first.Dispose();
        // The third record loses its last bytes, as a power loss can leave it.
        var bytes = File.ReadAllBytes(segment.Path);
        var end = Enumerable.Range(0, bytes.Length - 8).First(i => bytes.AsSpan(i, 8).IndexOfAnyExcept((byte)0) < 0);
        bytes.AsSpan(end - 3, 3).Clear();
        File.WriteAllBytes(segment.Path, bytes);

        using var next = Open();

        Assert.Equal(["whole-1", "whole-2"], next.TakeLeftovers().SelectMany(s => s.Events).Select(e => e.EventId));
    }

    [Fact]
    public void Open_TwoProcessesOnOneFolder_TakeSlotsOfTheirOwn()
    {
        using var a = Open();
        using var b = Open();
        Append(a, "from-a");

        Assert.NotEqual(a.SlotDirectory, b.SlotDirectory);
        Assert.Empty(b.TakeLeftovers());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private UsageSpool Open(long segmentBytes = 8 * 1024 * 1024) => new(
        Options.Create(new SpoolOptions { Directory = _directory, SegmentBytes = segmentBytes, FsyncInterval = TimeSpan.FromMilliseconds(50) }),
        new MeshServiceInfo("tests"), TimeProvider.System, NullLogger<UsageSpool>.Instance);

    private static (string Id, SpoolSegment Segment) Append(UsageSpool spool, string id, int padding = 0)
    {
        var usage = new UsageEvent { EventId = id, TenantId = "acme", Kind = UsageKind.ToolCall };
        if (padding > 0)
        {
            usage.Attributes["padding"] = new string('x', padding);
        }

        return (id, spool.Append(usage));
    }
}
