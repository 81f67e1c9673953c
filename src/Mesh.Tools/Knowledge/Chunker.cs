using System.Text;

namespace Mesh.Tools.Knowledge;

/// <summary>
/// Splits text or markdown into chunks of at most <c>size</c> characters: at headings and blank
/// lines first, then at sentence ends, then at spaces; each chunk carries the heading it falls
/// under, and a long passage's chunks overlap by <c>overlap</c> characters so no sentence is only
/// ever seen cut in two. A document of headings alone is one passage of its headings.
/// </summary>
public sealed class Chunker(int size, int overlap)
{
    public IReadOnlyList<string> Split(string title, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chunks = new List<(string Heading, string Text)>();
        var heading = title.Trim();
        var headings = new List<string>();
        var paragraph = new StringBuilder();
        foreach (var rawLine in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.StartsWith('#'))
            {
                Flush(chunks, heading, paragraph);
                heading = line.TrimStart('#').Trim();
                if (heading.Length > 0)
                {
                    headings.Add(heading);
                }

                continue;
            }

            if (line.Length == 0)
            {
                Flush(chunks, heading, paragraph);
                continue;
            }

            paragraph.Append(paragraph.Length > 0 ? " " : "").Append(line.Trim());
        }

        Flush(chunks, heading, paragraph);
        if (chunks.Count == 0 && headings.Count > 0)
        {
            // A document of headings alone (an outline, a title page) is found by its headings.
            paragraph.AppendJoin(". ", headings);
            Flush(chunks, "", paragraph);
        }

        return Merge(chunks);
    }

    /// <summary>Adds the paragraph as one or more chunks under its heading.</summary>
    private void Flush(List<(string Heading, string Text)> chunks, string heading, StringBuilder paragraph)
    {
        if (paragraph.Length == 0)
        {
            return;
        }

        var prefix = heading.Length > 0 ? heading + ". " : "";
        var body = paragraph.ToString();
        paragraph.Clear();
        var room = Math.Max(size - prefix.Length, size / 2);
        for (var start = 0; start < body.Length;)
        {
            var end = Math.Min(body.Length, start + room);
            if (end < body.Length)
            {
                end = Cut(body, start, end);
            }

            chunks.Add((heading, prefix + body[start..end].Trim()));
            if (end >= body.Length)
            {
                break;
            }

            start = Math.Max(start + 1, end - overlap);
            // Start the overlap at a word.
            var space = body.IndexOf(' ', start);
            if (space > 0 && space < end)
            {
                start = space + 1;
            }
        }
    }

    /// <summary>The best place to end a chunk before <paramref name="end"/>: a sentence end, else a space.</summary>
    private static int Cut(string body, int start, int end)
    {
        var window = body.AsSpan(start, end - start);
        var sentence = Math.Max(window.LastIndexOf(". "), Math.Max(window.LastIndexOf("? "), window.LastIndexOf("! ")));
        if (sentence > window.Length / 2)
        {
            return start + sentence + 1;
        }

        var space = window.LastIndexOf(' ');
        return space > window.Length / 2 ? start + space : end;
    }

    /// <summary>Joins neighbouring short chunks under the same heading (consecutive small paragraphs) up to half the size.</summary>
    private List<string> Merge(List<(string Heading, string Text)> chunks)
    {
        var merged = new List<(string Heading, string Text)>();
        foreach (var chunk in chunks)
        {
            if (merged.Count > 0 && merged[^1].Heading == chunk.Heading && merged[^1].Text.Length + 1 + chunk.Text.Length <= size / 2)
            {
                merged[^1] = (chunk.Heading, merged[^1].Text + "\n" + chunk.Text);
            }
            else
            {
                merged.Add(chunk);
            }
        }

        return [.. merged.Select(m => m.Text)];
    }
}
