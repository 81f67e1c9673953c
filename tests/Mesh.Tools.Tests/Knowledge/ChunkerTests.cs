using Mesh.Tools.Knowledge;

namespace Mesh.Tools.Tests.Knowledge;

public sealed class ChunkerTests
{
    [Fact]
    public void Split_ShortDocument_OneChunkTitledLikeItsTitle() =>
        Assert.Equal(["What Mesh is. Mesh is an AI infrastructure mesh."], new Chunker(800, 120).Split("What Mesh is", "Mesh is an AI infrastructure mesh."));

    [Fact]
    public void Split_Markdown_OneChunkPerSectionUnderItsHeading()
    {
        var chunks = new Chunker(800, 120).Split("Guide", "Intro line.\n\n# Install\nRun the script.\nThen wait.\n\n## Configure\nSet the key.");

        Assert.Equal(["Guide. Intro line.", "Install. Run the script. Then wait.", "Configure. Set the key."], chunks);
    }

    [Fact]
    public void Split_HeadingsOnly_OnePassageOfTheHeadings() =>
        Assert.Equal(["Rotating a key. Revoking the old one"], new Chunker(800, 120).Split("runbook", "# Rotating a key\n## Revoking the old one\n"));

    [Fact]
    public void Split_HeadingMarksOnly_NoChunk() =>
        Assert.Empty(new Chunker(800, 120).Split("", "#\n##  \n"));

    [Fact]
    public void Split_LongParagraph_ChunksWithinTheSizeOverlappingAtWords()
    {
        var sentences = string.Join(' ', Enumerable.Range(1, 60).Select(i => $"Sentence number {i} says something about topic {i}."));

        var chunks = new Chunker(300, 60).Split("", sentences);

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.InRange(c.Length, 100, 300));
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.Contains(pair.Second.Split(' ')[0], pair.First, StringComparison.Ordinal));
        Assert.EndsWith("topic 60.", chunks[^1], StringComparison.Ordinal);
        Assert.StartsWith("Sentence number 1 ", chunks[0], StringComparison.Ordinal);
    }
}
