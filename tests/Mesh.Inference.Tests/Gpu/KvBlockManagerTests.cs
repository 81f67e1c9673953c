using Mesh.Inference.KvBlocks;

namespace Mesh.Inference.Tests.Gpu;

/// <summary>The key-value block manager on a small pool: blocks of 4 positions, 1 layer, 1 head of 2.</summary>
public sealed class KvBlockManagerTests
{
    private static readonly KvLayout Layout = new(Layers: 1, Heads: 1, HeadSize: 2, BlockTokens: 4);

    private static KvBlockManager Manager(int blocks, bool prefixCaching = true) => new(new KvBlockPool(Layout, blocks), prefixCaching);

    private static int[] Tokens(int from, int count) => [.. Enumerable.Range(from, count)];

    /// <summary>Writes keys and values for the sequence's pending tokens (key = token, value = -token) and commits them, as a decoder step does.</summary>
    private static void Step(KvBlockManager manager, KvSequence sequence, int[] tokens)
    {
        Assert.True(manager.TryReserve(sequence, tokens.Length));
        for (var kv = 0; kv < 2; kv++)
        {
            var present = tokens.SelectMany(t => new float[] { kv == 0 ? t : -t, kv == 0 ? t : -t }).ToArray();
            sequence.Append(0, kv, present, tokens.Length, 0, tokens.Length);
        }

        sequence.Advance(tokens);
        manager.Commit(sequence);
    }

    private static KvSequence Prefill(KvBlockManager manager, int[] prompt)
    {
        var sequence = manager.TryStart(prompt, prompt.Length + 8);
        Assert.NotNull(sequence);
        Step(manager, sequence, prompt[sequence.Length..]);
        return sequence;
    }

    private static float[] Keys(KvSequence sequence)
    {
        var keys = new float[sequence.Length * 2];
        sequence.CopyPast(0, 0, keys, sequence.Length);
        return keys;
    }

    [Fact]
    public void TryStart_PromptOfNineTokens_TakesThreeBlocksAndReleaseFreesThem()
    {
        var manager = Manager(8, prefixCaching: false);

        var sequence = Prefill(manager, Tokens(0, 9));

        Assert.Equal(3, manager.UsedBlocks);
        Assert.Equal(3, sequence.BlockCount);
        Assert.Equal(9, sequence.Length);
        manager.Release(sequence);
        Assert.Equal(0, manager.UsedBlocks);
        Assert.Equal(0, manager.CachedBlocks);
        Assert.Equal(8, manager.AvailableBlocks);
        manager.Verify([]);
    }

    [Fact]
    public void TryReserve_LengthCrossesABlock_AddsOneBlockOnlyThen()
    {
        var manager = Manager(8, prefixCaching: false);
        var sequence = Prefill(manager, Tokens(0, 7));

        Step(manager, sequence, [100]);
        Assert.Equal(2, sequence.BlockCount);
        Step(manager, sequence, [101]);

        Assert.Equal(3, sequence.BlockCount);
        Assert.Equal(3, sequence.PeakBlocks);
        Assert.Equal([.. Tokens(0, 7).Select(t => (float)t), 100, 101], Keys(sequence).Where((_, i) => i % 2 == 0));
    }

    [Fact]
    public void TryStart_SamePrefixAsAFinishedSequence_SharesItsFullBlocksAndSkipsTheirPrefill()
    {
        var manager = Manager(16);
        var first = Prefill(manager, Tokens(0, 10));
        manager.Release(first);

        var second = manager.TryStart([.. Tokens(0, 8), 500, 501, 502], 20);

        Assert.NotNull(second);
        Assert.Equal(8, second.CachedTokens);
        Assert.Equal(8, second.Length);
        Assert.Equal(Tokens(0, 8).Select(t => (float)t), Keys(second).Where((_, i) => i % 2 == 0));
        var counters = manager.Counters;
        Assert.Equal((1, 1, 8), (counters.Hits, counters.Misses, counters.HitTokens));
        Assert.Equal(0.5, counters.HitRate);
    }

    [Fact]
    public void TryStart_SixteenSequencesSharingAPrefix_HoldThePrefixBlocksOnce()
    {
        var manager = Manager(64);
        var prefix = Tokens(0, 32);
        var live = new List<KvSequence> { Prefill(manager, [.. prefix, 1000]) };
        for (var i = 1; i < 16; i++)
        {
            live.Add(Prefill(manager, [.. prefix, 1000 + i]));
        }

        // 8 prefix blocks shared, each sequence one block of its own tail.
        Assert.Equal(8 + 16, manager.UsedBlocks);
        manager.Verify(live);
        live.ForEach(manager.Release);
        manager.Verify([]);
        Assert.Equal(0, manager.UsedBlocks);
    }

    [Fact]
    public void TryReserve_SequenceWritesIntoASharedCachedBlock_CopiesItFirstAndTheCachedBlockKeepsItsValues()
    {
        var manager = Manager(16);
        var owner = Prefill(manager, Tokens(0, 8));

        // The same 8 tokens: the last one must be computed again (its logits start generation), so the
        // second block is written and must be copied first.
        var follower = manager.TryStart(Tokens(0, 8), 16)!;
        Assert.Equal(7, follower.CachedTokens);
        Step(manager, follower, [999]);

        Assert.Equal(1, manager.Counters.Copies);
        Assert.Equal(Tokens(0, 8).Select(t => (float)t), Keys(owner).Where((_, i) => i % 2 == 0));
        Assert.Equal([.. Tokens(0, 7).Select(t => (float)t), 999], Keys(follower).Where((_, i) => i % 2 == 0));
        manager.Verify([owner, follower]);
    }

    [Fact]
    public void Allocate_PoolFullOfCachedBlocks_EvictsLeastRecentlyUsedDeepestFirst()
    {
        var manager = Manager(4);
        manager.Release(Prefill(manager, Tokens(0, 8)));
        Assert.Equal(2, manager.CachedBlocks);

        // Three blocks for another prompt: two free ones and one evicted (the chain's second block).
        var other = Prefill(manager, Tokens(100, 12));
        Assert.Equal(1, manager.Counters.Evictions);
        manager.Release(other);
        var again = manager.TryStart(Tokens(0, 8), 16)!;

        // Its first block survived; the second (useless without the first) was the one evicted.
        Assert.Equal(4, again.CachedTokens);
    }

    [Fact]
    public void TryStart_PoolCannotHoldThePrompt_ReturnsNullAndTakesNothing()
    {
        var manager = Manager(4, prefixCaching: false);
        var holder = Prefill(manager, Tokens(0, 12));

        var refused = manager.TryStart(Tokens(100, 8), 16);

        Assert.Null(refused);
        Assert.Equal(3, manager.UsedBlocks);
        manager.Verify([holder]);
    }

    [Fact]
    public void TryReserve_NoBlockLeft_ReturnsFalseAndChangesNothing()
    {
        var manager = Manager(2, prefixCaching: false);
        var sequence = Prefill(manager, Tokens(0, 8));

        Assert.False(manager.TryReserve(sequence, 1));

        Assert.Equal(2, sequence.BlockCount);
        Assert.Equal(2, manager.UsedBlocks);
        manager.Verify([sequence]);
    }

    [Fact]
    public void Operations_AMillionRandomStartsStepsAndReleases_LeakNoBlock()
    {
        var manager = Manager(48);
        var random = new Random(7);
        int[][] prefixes = [Tokens(0, 12), Tokens(50, 8), Tokens(90, 3)];
        var live = new List<KvSequence>();
        for (var op = 0; op < 1_000_000; op++)
        {
            var roll = random.Next(10);
            if (roll < 3 || live.Count == 0)
            {
                var prefix = prefixes[random.Next(prefixes.Length)];
                int[] prompt = [.. prefix, .. Tokens(random.Next(4) * 1000, random.Next(1, 6))];
                if (manager.TryStart(prompt, prompt.Length + 16) is { } started)
                {
                    if (manager.TryReserve(started, prompt.Length - started.Length))
                    {
                        started.Advance(prompt[started.Length..]);
                        manager.Commit(started);
                        live.Add(started);
                    }
                    else
                    {
                        manager.Release(started);
                    }
                }
            }
            else if (roll < 7)
            {
                var sequence = live[random.Next(live.Count)];
                if (sequence.Length < sequence.Capacity && manager.TryReserve(sequence, 1))
                {
                    sequence.Advance([random.Next(3)]);
                    manager.Commit(sequence);
                }
                else
                {
                    // Out of blocks or done: preempted or finished, its blocks go back.
                    manager.Release(sequence);
                    live.Remove(sequence);
                }
            }
            else
            {
                var index = random.Next(live.Count);
                manager.Release(live[index]);
                live.RemoveAt(index);
            }

            if (op % 50_000 == 0)
            {
                manager.Verify(live);
            }
        }

        live.ForEach(manager.Release);
        manager.Verify([]);
        Assert.Equal(0, manager.UsedBlocks);
        Assert.Equal(48, manager.AvailableBlocks);
        Assert.True(manager.Counters.Hits > 0 && manager.Counters.Evictions > 0 && manager.Counters.Copies > 0);
    }
}
