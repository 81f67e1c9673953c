using System.Text;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Generation;

/// <summary>
/// Turns generated tokens into text as they come: holds back a partial UTF-8 character (a
/// token can end mid-character) and any tail that could still become a stop sequence, and
/// stops at the first stop sequence, which is not part of the text. Each token is decoded in a
/// short window of the tokens before it (as vLLM detokenizes), not with all of them, so a
/// token costs the same at the thousandth as at the first.
/// </summary>
public sealed class TextStream(Tokenizer tokenizer, IReadOnlyList<string> stops)
{
    private readonly List<int> _tokens = [];
    private readonly StringBuilder _released = new();
    private int _emitted;

    // The text of the tokens before _read is known (_complete). The window starts at _prefix, a
    // few tokens earlier, so a decoder that treats a sequence's first token differently (a
    // leading space) still gives the new tokens' text as the difference of two decodes.
    private string _complete = "";
    private string _prefixText = "";
    private int _prefix;
    private int _read;

    /// <summary>All text released so far.</summary>
    public string Text => _released.ToString();

    /// <summary>Adds a token; returns the text now safe to release and whether a stop sequence was hit.</summary>
    public (string Delta, bool Stopped) Push(int token)
    {
        _tokens.Add(token);
        var decoded = Decoded();
        foreach (var stop in stops)
        {
            var at = decoded.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0)
            {
                return (Release(decoded[..Math.Max(at, _emitted)]), true);
            }
        }

        var safe = decoded.TrimEnd('\uFFFD').Length;
        var limit = safe;
        foreach (var stop in stops)
        {
            // Keep back the longest tail that is a prefix of a stop sequence.
            for (var k = Math.Min(stop.Length - 1, safe - _emitted); k > 0; k--)
            {
                if (string.CompareOrdinal(decoded, safe - k, stop, 0, k) == 0)
                {
                    limit = Math.Min(limit, safe - k);
                    break;
                }
            }
        }

        safe = limit;
        return (Release(decoded[..Math.Max(safe, _emitted)]), false);
    }

    /// <summary>What is still held back, released when generation ends without a stop.</summary>
    public string Flush()
    {
        var decoded = tokenizer.Decode(_tokens) ?? "";
        return Release(decoded.TrimEnd('\uFFFD'));
    }

    /// <summary>The text of every token so far; a token that ends mid-character leaves U+FFFD at the end until a later one completes it.</summary>
    private string Decoded()
    {
        var window = tokenizer.Decode(_tokens.GetRange(_prefix, _tokens.Count - _prefix)) ?? "";
        if (!window.StartsWith(_prefixText, StringComparison.Ordinal))
        {
            return tokenizer.Decode(_tokens) ?? "";
        }

        var decoded = _complete + window[_prefixText.Length..];
        if (window.Length > _prefixText.Length && !window.EndsWith('\uFFFD'))
        {
            // Complete characters up to here: the window moves on.
            _complete = decoded;
            _prefix = _read;
            _read = _tokens.Count;
            _prefixText = tokenizer.Decode(_tokens.GetRange(_prefix, _read - _prefix)) ?? "";
        }

        return decoded;
    }

    private string Release(string upTo)
    {
        if (upTo.Length <= _emitted)
        {
            return "";
        }

        var delta = upTo[_emitted..];
        _emitted = upTo.Length;
        _released.Append(delta);
        return delta;
    }
}
