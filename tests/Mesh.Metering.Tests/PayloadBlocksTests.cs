namespace Mesh.Metering.Tests;

public sealed class PayloadBlocksTests
{
    private const int EventBytes = 100 * 1024; // ten to a block

    [Fact]
    public void Release_EveryEventOfAFullBlock_ReusesTheBlockAndKeepsEachEventsBytes()
    {
        var blocks = new PayloadBlocks();
        var stored = Enumerable.Range(0, 11).Select(i => blocks.Store(Bytes(i), $"tenant-{i}")).ToList();

        Assert.All(stored.Select((usage, i) => (usage, i)), s => Assert.Equal(Bytes(s.i), s.usage.ToByteArray()));
        foreach (var usage in stored.Take(9))
        {
            usage.Release();
        }

        Assert.Equal(0, blocks.FreeBlocks); // the tenth event of the first block is still waiting
        stored[9].Release();
        Assert.Equal(1, blocks.FreeBlocks);
        Assert.Equal(Bytes(10), stored[10].ToByteArray());
        Assert.Equal("tenant-10", stored[10].TenantId);
    }

    [Fact]
    public void Store_EventLargerThanAQuarterBlock_GetsAnArrayOfItsOwn()
    {
        var blocks = new PayloadBlocks();
        var large = new byte[(PayloadBlocks.BlockBytes / 4) + 1];
        large[^1] = 7;

        var usage = blocks.Store(large, "acme");
        usage.Release();

        Assert.Equal(large, usage.ToByteArray());
        Assert.Equal(0, blocks.FreeBlocks);
    }

    private static byte[] Bytes(int seed) => [.. Enumerable.Range(0, EventBytes).Select(i => (byte)(i + seed))];
}
