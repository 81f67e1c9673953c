namespace Mesh.Inference.KvBlocks;

/// <summary>
/// Hands out a model replica's key-value blocks (PagedAttention's block manager, as in vLLM).
/// A sequence starts with blocks for its prompt and gets one more each time its length crosses a
/// block; when the pool cannot supply them it does not start (it waits) or, running, is preempted
/// by the engine and recomputed later. With prefix caching, every full block is registered under
/// the hash of all tokens up to its end: a later prompt with the same leading tokens takes those
/// blocks (shared, reference-counted) and skips their prefill. A block the cache serves is never
/// written again: a sequence that must write into one (its prompt ends inside the cached prefix,
/// or another sequence shares the block) copies it first. Blocks nobody holds stay cached until the
/// pool needs them, least recently used first (deepest first, since a block is useless without its
/// parents). Used by the engine's thread only; the counters may be read from anywhere.
/// </summary>
public sealed class KvBlockManager
{
    internal const ulong RootHash = 0xCBF29CE484222325UL;

    private readonly KvBlockPool _pool;
    private readonly int[] _references;
    private readonly ulong[] _hashes;
    private readonly int[]?[] _blockTokens;
    private readonly LinkedListNode<int>?[] _lruNodes;
    private readonly LinkedList<int> _lru = new();
    private readonly Stack<int> _free;
    private readonly Dictionary<ulong, int> _prefix = [];
    private int _used;
    private long _hits;
    private long _misses;
    private long _hitTokens;
    private long _evictions;
    private long _copies;

    public KvBlockManager(KvBlockPool pool, bool prefixCaching)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        PrefixCaching = prefixCaching;
        _references = new int[pool.Blocks];
        _hashes = new ulong[pool.Blocks];
        _blockTokens = new int[]?[pool.Blocks];
        _lruNodes = new LinkedListNode<int>?[pool.Blocks];
        _free = new Stack<int>(Enumerable.Range(0, pool.Blocks).Reverse());
    }

    public KvBlockPool Pool => _pool;

    public KvLayout Layout => _pool.Layout;

    public bool PrefixCaching { get; }

    public int TotalBlocks => _pool.Blocks;

    /// <summary>Blocks held by at least one sequence.</summary>
    public int UsedBlocks => Volatile.Read(ref _used);

    /// <summary>Blocks nobody holds that the prefix cache keeps (reusable, evictable).</summary>
    public int CachedBlocks => _lru.Count;

    /// <summary>Blocks a sequence could get now: free ones and cached ones nobody holds.</summary>
    public int AvailableBlocks => _free.Count + _lru.Count;

    public KvCacheCounters Counters => new(
        Interlocked.Read(ref _hits), Interlocked.Read(ref _misses), Interlocked.Read(ref _hitTokens), Interlocked.Read(ref _evictions), Interlocked.Read(ref _copies));

    /// <summary>
    /// Starts a sequence with <paramref name="prompt"/>: takes the cached blocks of its longest cached
    /// prefix and new blocks for the rest. At least the last prompt token is always computed (its
    /// logits give the first new token). Null when the pool cannot supply the blocks now: nothing taken.
    /// </summary>
    public KvSequence? TryStart(int[] prompt, int capacity)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfLessThan(prompt.Length, 1);
        var size = Layout.BlockTokens;
        var matched = new List<int>();
        var hash = RootHash;
        var hashes = new List<ulong>();
        while (PrefixCaching && (matched.Count + 1) * size <= prompt.Length)
        {
            var tokens = prompt.AsSpan(matched.Count * size, size);
            var next = Chain(hash, tokens);
            if (!_prefix.TryGetValue(next, out var block) || !tokens.SequenceEqual(_blockTokens[block]))
            {
                break;
            }

            matched.Add(block);
            hashes.Add(next);
            hash = next;
        }

        var cached = Math.Min(matched.Count * size, prompt.Length - 1);
        var rewrites = cached < matched.Count * size ? 1 : 0;
        var needed = Layout.BlocksFor(prompt.Length) - matched.Count + rewrites;
        var revived = matched.Count(b => _references[b] == 0);
        if (AvailableBlocks - revived < needed)
        {
            return null;
        }

        var blocks = new List<int>(Layout.BlocksFor(capacity));
        foreach (var block in matched)
        {
            Hold(block);
            blocks.Add(block);
        }

        for (var i = rewrites; i < needed; i++)
        {
            blocks.Add(Allocate());
        }

        var sequence = new KvSequence(_pool, blocks, prompt, cached, capacity)
        {
            Committed = matched.Count - rewrites,
            ChainHash = matched.Count - rewrites > 0 ? hashes[matched.Count - rewrites - 1] : RootHash,
        };
        if (cached > 0)
        {
            Interlocked.Increment(ref _hits);
            Interlocked.Add(ref _hitTokens, cached);
        }
        else if (PrefixCaching)
        {
            Interlocked.Increment(ref _misses);
        }

        return sequence;
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> more positions: new blocks past the last, and a copy
    /// of the block being written if it is shared or cached. False when the pool cannot supply them
    /// (nothing changed): the caller preempts a sequence and tries again.
    /// </summary>
    public bool TryReserve(KvSequence sequence, int count)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var size = Layout.BlockTokens;
        var first = sequence.Length / size;
        var copy = first < sequence.Blocks.Count && IsShared(sequence.Blocks[first]);
        var grow = Math.Max(0, Layout.BlocksFor(sequence.Length + count) - sequence.Blocks.Count);
        if (AvailableBlocks < grow + (copy ? 1 : 0))
        {
            return false;
        }

        if (copy)
        {
            var original = sequence.Blocks[first];
            var own = Allocate();
            _pool.Block(original).CopyTo(_pool.Block(own));
            sequence.Blocks[first] = own;
            Drop(original);
            Interlocked.Increment(ref _copies);
        }

        for (var i = 0; i < grow; i++)
        {
            sequence.Blocks.Add(Allocate());
        }

        sequence.PeakBlocks = Math.Max(sequence.PeakBlocks, sequence.Blocks.Count);
        return true;
    }

    /// <summary>Registers the sequence's newly filled blocks in the prefix cache (after a step).</summary>
    public void Commit(KvSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var size = Layout.BlockTokens;
        while ((sequence.Committed + 1) * size <= sequence.Length)
        {
            var tokens = sequence.Tokens.Skip(sequence.Committed * size).Take(size).ToArray();
            var hash = Chain(sequence.ChainHash, tokens);
            var block = sequence.Blocks[sequence.Committed];
            if (PrefixCaching && _blockTokens[block] is null && _prefix.TryAdd(hash, block))
            {
                _hashes[block] = hash;
                _blockTokens[block] = tokens;
            }

            sequence.ChainHash = hash;
            sequence.Committed++;
        }
    }

    /// <summary>Returns a finished, cancelled or preempted sequence's blocks (cached ones stay cached).</summary>
    public void Release(KvSequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if (sequence.Released)
        {
            return;
        }

        sequence.Released = true;
        // Deepest first: the least recently used end of the cache is then the end of each chain.
        for (var i = sequence.Blocks.Count - 1; i >= 0; i--)
        {
            Drop(sequence.Blocks[i]);
        }

        sequence.Blocks.Clear();
    }

    /// <summary>Checks the books: every block is free, cached or held, and held as often as sequences hold it.</summary>
    public void Verify(IEnumerable<KvSequence> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        var held = new int[TotalBlocks];
        foreach (var block in live.SelectMany(s => s.Blocks))
        {
            held[block]++;
        }

        var inUse = held.Count(h => h > 0);
        if (!held.AsSpan().SequenceEqual(_references) || inUse != _used || _free.Count + _lru.Count + _used != TotalBlocks)
        {
            throw new InvalidOperationException($"key-value books do not balance: {_free.Count} free + {_lru.Count} cached + {_used} used of {TotalBlocks}; {inUse} held by sequences");
        }
    }

    /// <summary>The prefix cache's hash of a block's tokens after the blocks before it.</summary>
    internal static ulong Chain(ulong parent, ReadOnlySpan<int> tokens)
    {
        var hash = parent;
        foreach (var token in tokens)
        {
            hash = Mix(hash ^ (uint)token);
        }

        return Mix(hash ^ (ulong)tokens.Length);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private bool IsShared(int block) => _references[block] > 1 || _blockTokens[block] is not null;

    /// <summary>A block for one sequence: a free one, else the least recently used cached one (evicted).</summary>
    private int Allocate()
    {
        int block;
        if (_free.Count > 0)
        {
            block = _free.Pop();
        }
        else
        {
            block = _lru.First!.Value;
            Uncache(block);
            _lru.RemoveFirst();
            _lruNodes[block] = null;
            Interlocked.Increment(ref _evictions);
        }

        _references[block] = 1;
        Interlocked.Increment(ref _used);
        return block;
    }

    private void Hold(int block)
    {
        if (_references[block]++ == 0)
        {
            _lru.Remove(_lruNodes[block]!);
            _lruNodes[block] = null;
            Interlocked.Increment(ref _used);
        }
    }

    private void Drop(int block)
    {
        if (--_references[block] > 0)
        {
            return;
        }

        Interlocked.Decrement(ref _used);
        if (_blockTokens[block] is not null)
        {
            _lruNodes[block] = _lru.AddLast(block);
        }
        else
        {
            _free.Push(block);
        }
    }

    private void Uncache(int block)
    {
        if (_prefix.TryGetValue(_hashes[block], out var cached) && cached == block)
        {
            _prefix.Remove(_hashes[block]);
        }

        _blockTokens[block] = null;
        _hashes[block] = 0;
    }
}

/// <summary>A prefix cache's counts: sequences that reused cached blocks or not, tokens reused, blocks evicted, blocks copied on write.</summary>
public sealed record KvCacheCounters(long Hits, long Misses, long HitTokens, long Evictions, long Copies)
{
    /// <summary>Hits over lookups (0 before any).</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
