using FastBertTokenizer;

namespace Mesh.Inference.Embeddings;

/// <summary>
/// The BERT inputs of one request: <c>input_ids</c>, <c>attention_mask</c> and
/// <c>token_type_ids</c>, row-major [batch, sequence], every row padded to the longest input.
/// </summary>
public sealed class TokenizedBatch
{
    private TokenizedBatch(int batchSize, int sequenceLength, int[] tokenCounts, int truncatedInputs)
    {
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        TokenCounts = tokenCounts;
        TruncatedInputs = truncatedInputs;
        InputIds = new long[batchSize * sequenceLength];
        AttentionMask = new long[batchSize * sequenceLength];
        TokenTypeIds = new long[batchSize * sequenceLength];
    }

    public int BatchSize { get; }

    public int SequenceLength { get; }

    /// <summary>Tokens of each input after truncation, [CLS] and [SEP] included.</summary>
    public int[] TokenCounts { get; }

    /// <summary>How many inputs were cut to the model's token limit.</summary>
    public int TruncatedInputs { get; }

    public long[] InputIds { get; }

    public long[] AttentionMask { get; }

    /// <summary>All zeros: every input is a single segment.</summary>
    public long[] TokenTypeIds { get; }

    public long[] Shape => [BatchSize, SequenceLength];

    /// <summary>The ids of one input, cut to <paramref name="maxTokens"/> (ending in [SEP]).</summary>
    public static long[] Tokenize(BertTokenizer tokenizer, string input, int maxTokens, out bool truncated)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(input);
        var capacity = Math.Max((3 * input.Length) + 2, maxTokens + 1);
        return Tokenize(tokenizer, input, maxTokens, new long[capacity], new long[capacity], out truncated);
    }

    /// <summary>Tokenizes <paramref name="inputs"/>, cutting each to <paramref name="maxTokens"/> (ending in [SEP]).</summary>
    public static TokenizedBatch Create(BertTokenizer tokenizer, IReadOnlyList<string> inputs, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);

        // A character yields at most one token, or three once normalisation decomposes it (a
        // Hangul syllable), so this buffer holds any input whole with [CLS] and [SEP]: the first
        // pass says exactly whether the input must be cut.
        var capacity = Math.Max((3 * inputs.Max(i => i.Length)) + 2, maxTokens + 1);
        var ids = new long[capacity];
        var mask = new long[capacity];
        var rows = new long[inputs.Count][];
        var truncated = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            rows[i] = Tokenize(tokenizer, inputs[i], maxTokens, ids, mask, out var cut);
            truncated += cut ? 1 : 0;
        }

        return FromRows(rows, truncated);
    }

    /// <summary>A batch of already tokenized rows, each padded with id 0 and mask 0 to the longest.</summary>
    public static TokenizedBatch FromRows(IReadOnlyList<long[]> rows, int truncatedInputs)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows.Count, 1);
        var counts = rows.Select(r => r.Length).ToArray();
        var batch = new TokenizedBatch(rows.Count, counts.Max(), counts, truncatedInputs);
        for (var i = 0; i < rows.Count; i++)
        {
            // Padding stays id 0 ([PAD] in BERT vocabularies) with mask 0, so pooling ignores it.
            var offset = i * batch.SequenceLength;
            rows[i].CopyTo(batch.InputIds.AsSpan(offset));
            batch.AttentionMask.AsSpan(offset, counts[i]).Fill(1);
        }

        return batch;
    }

    private static long[] Tokenize(BertTokenizer tokenizer, string input, int maxTokens, long[] ids, long[] mask, out bool truncated)
    {
        var count = tokenizer.Encode(input, ids, mask);
        truncated = count > maxTokens;
        if (truncated)
        {
            count = tokenizer.Encode(input, ids.AsSpan(0, maxTokens), mask.AsSpan(0, maxTokens));
        }

        return ids[..count];
    }
}
