using Grpc.Core;
using Mesh.Usage.V1;
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
}
