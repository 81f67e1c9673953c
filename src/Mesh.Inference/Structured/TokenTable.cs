using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Structured;

/// <summary>
/// A vocabulary as constrained decoding sees it: each token's text (tokens that are not printable
/// ASCII are never allowed in constrained output), in a prefix tree, so the tokens allowed next are
/// found by walking the tree while the matcher accepts the characters. Built once per tokenizer.
/// </summary>
public sealed class TokenTable
{
    private static readonly ConditionalWeakTable<Tokenizer, TokenTable> Tables = [];

    private TokenTable(Tokenizer tokenizer, int count)
    {
        Texts = new string?[count];
        var plain = new List<int>();
        var special = new List<int>();
        for (var id = 0; id < count; id++)
        {
            var text = tokenizer.Decode([id]);
            if (string.IsNullOrEmpty(text) || text.Any(c => c is < ' ' or > '~'))
            {
                continue;
            }

            Texts[id] = text;
            Root.Add(text, 0, id);
            (text.Contains('"') || text.Contains('\\') ? special : plain).Add(id);
            Longest = Math.Max(Longest, text.Length);
        }

        PlainStringTokens = [.. plain];
        QuoteOrEscapeTokens = [.. special];
    }

    /// <summary>Token texts by id; null for tokens never allowed.</summary>
    public string?[] Texts { get; }

    public TrieNode Root { get; } = new();

    /// <summary>Tokens that can only be string content (no quote, no backslash).</summary>
    public int[] PlainStringTokens { get; }

    /// <summary>Tokens holding a quote or backslash: they may end a string or start an escape.</summary>
    public int[] QuoteOrEscapeTokens { get; }

    public int Longest { get; }

    /// <summary>The table of <paramref name="tokenizer"/>'s ids below <paramref name="count"/> (special tokens from there on are left out).</summary>
    public static TokenTable For(Tokenizer tokenizer, int count)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return Tables.GetValue(tokenizer, t => new TokenTable(t, count));
    }

    public sealed class TrieNode
    {
        private readonly List<(char Char, TrieNode Node)> _children = [];
        private readonly List<int> _tokens = [];

        /// <summary>Tokens whose text ends here.</summary>
        public IReadOnlyList<int> Tokens => _tokens;

        public IReadOnlyList<(char Char, TrieNode Node)> Children => _children;

        internal void Add(string text, int at, int id)
        {
            if (at == text.Length)
            {
                _tokens.Add(id);
                return;
            }

            var c = text[at];
            foreach (var (key, node) in _children)
            {
                if (key == c)
                {
                    node.Add(text, at + 1, id);
                    return;
                }
            }

            var child = new TrieNode();
            _children.Add((c, child));
            child.Add(text, at + 1, id);
        }
    }
}
