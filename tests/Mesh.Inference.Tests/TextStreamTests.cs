using System.Text;
using Mesh.Inference.Generation;
using Microsoft.ML.Tokenizers;

namespace Mesh.Inference.Tests;

/// <summary>
/// Generated tokens become text as they come: what is released, joined, is the text of all the
/// tokens (multi-byte characters split over tokens included), cut at the first stop sequence.
/// </summary>
public sealed class TextStreamTests
{
    private static readonly Tokenizer Gpt2 = TiktokenTokenizer.CreateForModel("gpt2");

    [Theory]
    [InlineData("The mesh meters every call, and every call is billed once.")]
    [InlineData("naïve café, 日本語のテキスト, emoji 🙂🚀👩‍👩‍👧 and Ελληνικά mixed in.")]
    public void Push_TokensOfAText_ReleasesExactlyThatText(string text)
    {
        var stream = new TextStream(Gpt2, []);
        var released = new StringBuilder();

        foreach (var token in Gpt2.EncodeToIds(text))
        {
            var (delta, stopped) = stream.Push(token);
            Assert.False(stopped);
            Assert.DoesNotContain('\uFFFD', delta);
            released.Append(delta);
        }

        released.Append(stream.Flush());
        Assert.Equal(text, released.ToString());
        Assert.Equal(text, stream.Text);
    }

    [Fact]
    public void Push_RandomTokens_ReleasesWhatDecodingThemAllGives()
    {
        var random = new Random(20261207);
        for (var round = 0; round < 20; round++)
        {
            var tokens = Enumerable.Range(0, 300).Select(_ => random.Next(0, 50_256)).ToList();
            var stream = new TextStream(Gpt2, []);
            var released = new StringBuilder();

            foreach (var token in tokens)
            {
                released.Append(stream.Push(token).Delta);
            }

            released.Append(stream.Flush());
            Assert.Equal(Gpt2.Decode(tokens)!.TrimEnd('\uFFFD'), released.ToString());
        }
    }

    [Fact]
    public void Push_TextWithAStopSequence_StopsBeforeItAndNeverReleasesItsStart()
    {
        const string Text = "first line\nsecond END third";
        var stream = new TextStream(Gpt2, ["END"]);
        var released = new StringBuilder();
        var stopped = false;

        foreach (var token in Gpt2.EncodeToIds(Text))
        {
            (var delta, stopped) = stream.Push(token);
            released.Append(delta);
            if (stopped)
            {
                break;
            }
        }

        Assert.True(stopped);
        Assert.Equal("first line\nsecond ", released.ToString());
    }
}
