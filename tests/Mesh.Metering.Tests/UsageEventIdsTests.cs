using System.Collections.Concurrent;

namespace Mesh.Metering.Tests;

/// <summary>Usage event ids: version 7 GUIDs that carry their millisecond and never repeat.</summary>
public sealed class UsageEventIdsTests
{
    [Fact]
    public void New_Id_IsAVersion7GuidCarryingItsMillisecond()
    {
        var now = new DateTimeOffset(2026, 12, 7, 18, 30, 15, 123, TimeSpan.Zero);

        var id = Guid.Parse(UsageEventIds.New(now));

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var bytes = id.ToByteArray(bigEndian: true);
        var millisecond = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        Assert.Equal(now.ToUnixTimeMilliseconds(), millisecond);
    }

    [Fact]
    public void New_IdsOfLaterMilliseconds_SortAfterEarlierOnes()
    {
        var start = DateTimeOffset.UnixEpoch.AddYears(56);

        var ids = Enumerable.Range(0, 1_000).Select(ms => UsageEventIds.New(start.AddMilliseconds(ms))).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task New_ManyThreadsInTheSameMillisecond_NoIdRepeats()
    {
        // Far more ids per thread than one block of random bytes serves, so refills are crossed.
        var now = DateTimeOffset.UtcNow;
        var ids = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(UsageEventIds.New(now));
            }
        })));

        Assert.Equal(200_000, ids.Distinct(StringComparer.Ordinal).Count());
    }
}
