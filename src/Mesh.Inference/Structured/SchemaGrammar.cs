using System.Collections.Concurrent;

namespace Mesh.Inference.Structured;

/// <summary>
/// A compiled schema over one vocabulary: the tokens allowed in each matcher state, found by
/// walking the token prefix tree, and remembered per state (generation revisits the same states:
/// "inside this string", "after this key"). Masks do not depend on the budget unless it is tight.
/// </summary>
public sealed class SchemaGrammar(SchemaNode root, TokenTable table, int endOfText)
{
    private const int MaxCachedStates = 4096;
    private readonly ConcurrentDictionary<MatchState, Mask> _masks = new();
    private readonly int _words = (Math.Max(table.Texts.Length, endOfText + 1) + 63) / 64;
    private ulong[]? _plain;

    public SchemaNode Root { get; } = root;

    public TokenTable Table { get; } = table;

    public int EndOfText { get; } = endOfText;

    public MatchState Start() => new([JsonMatcher.Begin(Root)]);

    /// <summary>The tokens allowed in <paramref name="state"/> when <paramref name="tokensLeft"/> tokens remain (this one included).</summary>
    public ulong[] Allowed(MatchState state, int tokensLeft)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!_masks.TryGetValue(state, out var mask))
        {
            mask = Compute(state, int.MaxValue);
            if (_masks.Count < MaxCachedStates)
            {
                _masks.TryAdd(state, mask);
            }
        }

        // Every allowed token leaves a value that can still be finished within the budget: else compute it again under the budget.
        return tokensLeft - 1 >= mask.MaxAfter ? mask.Bits : Compute(state, tokensLeft - 1).Bits;
    }

    /// <summary>
    /// The tokens allowed in <paramref name="state"/> that leave a value finishable within <paramref name="budget"/>
    /// characters. When no token does (each character is at most one token, but most tokens hold several), the
    /// tokens that leave the least to write, so the value is finished as soon as it can be.
    /// </summary>
    private Mask Compute(MatchState state, int budget)
    {
        var bits = new ulong[_words];
        var scan = new Scan(bits, budget);
        if (state.CanEnd)
        {
            Set(bits, EndOfText);
            scan.Fits = true;
        }

        if (InFreeString(state))
        {
            var after = state.MinCompletion;
            if (after <= budget)
            {
                (_plain ??= PlainBits()).CopyTo(bits, 0);
                scan.MaxAfter = after;
                scan.Fits = true;
            }

            foreach (var id in Table.QuoteOrEscapeTokens)
            {
                var next = state.Feed(Table.Texts[id]!);
                if (!next.IsDead)
                {
                    scan.Offer(id, next.MinCompletion);
                }
            }
        }
        else
        {
            Walk(Table.Root, state, scan);
        }

        return scan.Fits ? new Mask(bits, scan.MaxAfter) : new Mask(scan.Closest(_words), int.MaxValue);
    }

    private static void Walk(TokenTable.TrieNode node, MatchState state, Scan scan)
    {
        foreach (var (c, child) in node.Children)
        {
            var next = state.Feed(c);
            if (next.IsDead)
            {
                continue;
            }

            if (child.Tokens.Count > 0)
            {
                var after = next.MinCompletion;
                foreach (var id in child.Tokens)
                {
                    scan.Offer(id, after);
                }
            }

            Walk(child, next, scan);
        }
    }

    /// <summary>Every stack is inside a string with room for any token: plain tokens need no walk.</summary>
    private bool InFreeString(MatchState state) => state.Stacks.All(s =>
        s.Top is StringFrame { Escape: 0 } f && (f.Node.MaxChars == int.MaxValue || f.Node.MaxChars - f.Length >= Table.Longest));

    private ulong[] PlainBits()
    {
        var bits = new ulong[_words];
        foreach (var id in Table.PlainStringTokens)
        {
            Set(bits, id);
        }

        return bits;
    }

    private static void Set(ulong[] bits, int id) => bits[id >> 6] |= 1UL << (id & 63);

    private sealed record Mask(ulong[] Bits, int MaxAfter);

    /// <summary>Collects the tokens that fit the budget, and those closest to finishing in case none does.</summary>
    private sealed class Scan(ulong[] bits, int budget)
    {
        private readonly List<int> _closest = [];
        private int _closestAfter = int.MaxValue;

        public bool Fits { get; set; }

        public int MaxAfter { get; set; }

        public void Offer(int id, int after)
        {
            if (after <= budget)
            {
                Set(bits, id);
                MaxAfter = Math.Max(MaxAfter, after);
                Fits = true;
            }
            else if (!Fits && after <= _closestAfter)
            {
                if (after < _closestAfter)
                {
                    _closest.Clear();
                    _closestAfter = after;
                }

                _closest.Add(id);
            }
        }

        public ulong[] Closest(int words)
        {
            var closest = new ulong[words];
            foreach (var id in _closest)
            {
                Set(closest, id);
            }

            return closest;
        }
    }
}
