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
        var counts = new int[inputs.Count];
        var truncated = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            var count = tokenizer.Encode(inputs[i], ids, mask);
            if (count > maxTokens)
            {
                truncated++;
                count = tokenizer.Encode(inputs[i], ids.AsSpan(0, maxTokens), mask.AsSpan(0, maxTokens));
            }

            rows[i] = ids[..count];
            counts[i] = count;
        }

        var batch = new TokenizedBatch(inputs.Count, counts.Max(), counts, truncated);
        for (var i = 0; i < rows.Length; i++)
        {
            // Padding stays id 0 ([PAD] in BERT vocabularies) with mask 0, so pooling ignores it.
            var offset = i * batch.SequenceLength;
            rows[i].CopyTo(batch.InputIds.AsSpan(offset));
            batch.AttentionMask.AsSpan(offset, counts[i]).Fill(1);
        }

        return batch;
    }
}
