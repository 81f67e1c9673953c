using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Generation;

/// <summary>
/// Turns generated tokens into text as they come: holds back a partial UTF-8 character (a
/// token can end mid-character) and any tail that could still become a stop sequence, and
/// stops at the first stop sequence, which is not part of the text.
/// </summary>
public sealed class TextStream(Tokenizer tokenizer, IReadOnlyList<string> stops)
{
    private readonly List<int> _tokens = [];
    private int _emitted;

    /// <summary>All text released so far.</summary>
    public string Text { get; private set; } = "";

    /// <summary>Adds a token; returns the text now safe to release and whether a stop sequence was hit.</summary>
    public (string Delta, bool Stopped) Push(int token)
    {
        _tokens.Add(token);
        var decoded = tokenizer.Decode(_tokens) ?? "";
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

    private string Release(string upTo)
    {
        if (upTo.Length <= _emitted)
        {
            return "";
        }

        var delta = upTo[_emitted..];
        _emitted = upTo.Length;
        Text += delta;
        return delta;
    }
}
