using Google.Protobuf;
using Grpc.Core;
using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Tests;

public sealed class UsageBufferTests
{
    [Fact]
    public async Task Publish_BufferFull_FailsWithResourceExhaustedAndKeepsEveryBufferedEvent()
    {
        using var buffer = new UsageBuffer(Options.Create(new UsageOptions { BufferCapacity = 3, MaxBatchSize = 3, FullBufferWait = TimeSpan.FromMilliseconds(50) }), TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await buffer.PublishAsync(new UsageEvent { EventId = $"e{i}" }, CancellationToken.None);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => buffer.PublishAsync(new UsageEvent { EventId = "e3" }, CancellationToken.None).AsTask());

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("usage buffer is full", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3, buffer.Count);
    }

    [Fact]
    public async Task Publish_BufferFullThenDrained_WaitingPublisherSucceeds()
    {
        using var buffer = new UsageBuffer(Options.Create(new UsageOptions { BufferCapacity = 1, MaxBatchSize = 1, FullBufferWait = TimeSpan.FromSeconds(10) }), TimeProvider.System);
        await buffer.PublishAsync(new UsageEvent { EventId = "first" }, CancellationToken.None);

        var waiting = buffer.PublishAsync(new UsageEvent { EventId = "second" }, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.True(buffer.TryTake(out var first));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("first", first.Event.EventId);
        Assert.True(buffer.TryTake(out var second));
        Assert.Equal("second", second.Event.EventId);
    }

    [Fact]
    public async Task Publish_WithSpool_BufferKeepsTheSpooledBytesWhichTheSpoolRecovers()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mesh-buffer-tests-{Guid.NewGuid():N}");
        var spoolOptions = Options.Create(new SpoolOptions { Directory = directory });
        try
        {
            var usage = new UsageEvent { EventId = "spooled-1", TenantId = "acme", Kind = UsageKind.ToolCall, InputTokens = 7 };
            var batch = new List<BufferedUsage>();
            using (var spool = new UsageSpool(spoolOptions, new MeshServiceInfo("tests"), TimeProvider.System, NullLogger<UsageSpool>.Instance))
            {
                using var buffer = new UsageBuffer(Options.Create(new UsageOptions()), TimeProvider.System, spool);
                await buffer.PublishAsync(usage, CancellationToken.None);
                long bytes = 0;
                buffer.TakeInto(batch, maxCount: 10, maxBytes: 1024, ref bytes);
                Assert.Equal(usage.CalculateSize(), bytes);
            }

            using var next = new UsageSpool(spoolOptions, new MeshServiceInfo("tests"), TimeProvider.System, NullLogger<UsageSpool>.Instance);
            var taken = Assert.Single(batch);
            Assert.Equal(usage.ToByteArray(), taken.Usage.ToByteArray());
            Assert.Equal("acme", taken.Usage.TenantId);
            Assert.Equal(usage, taken.Event);
            Assert.Equal(usage, Assert.Single(next.TakeLeftovers().SelectMany(s => s.Events)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TakeInto_BatchFullByBytes_LeavesTheRestWaitingAndFreesRoomForWhatItTook()
    {
        using var buffer = new UsageBuffer(Options.Create(new UsageOptions { BufferCapacity = 4, MaxBatchSize = 4, FullBufferWait = TimeSpan.Zero }), TimeProvider.System);
        for (var i = 0; i < 4; i++)
        {
            await buffer.PublishAsync(new UsageEvent { EventId = $"e{i}", TenantId = "acme" }, CancellationToken.None);
        }

        var batch = new List<BufferedUsage>();
        long bytes = 0;
        var size = new UsageEvent { EventId = "e0", TenantId = "acme" }.CalculateSize();
        buffer.TakeInto(batch, maxCount: 4, maxBytes: (2 * size) - 1, ref bytes);

        Assert.Equal(["e0", "e1"], batch.Select(b => b.Event.EventId));
        Assert.Equal(2, buffer.Count);
        await buffer.PublishAsync(new UsageEvent { EventId = "e4" }, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }
}
