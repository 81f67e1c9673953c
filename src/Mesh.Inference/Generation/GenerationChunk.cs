namespace Mesh.Inference.Generation;

/// <summary>What a sequence produced since its previous chunk; the last chunk carries why it ended and its totals.</summary>
public sealed record GenerationChunk(string Text, int[] TokenIds, string? FinishReason = null, GenerationStats? Stats = null);

/// <summary>
/// A finished sequence's totals: tokens, waiting, its share of device time, the largest batch it
/// ran in, the prompt tokens the prefix cache supplied, the most key-value blocks it held at once
/// and how often it was preempted (its blocks taken back, its text recomputed later).
/// </summary>
public sealed record GenerationStats(int InputTokens, int OutputTokens, TimeSpan QueueTime, TimeSpan ComputeTime, int MaxBatchSize)
{
    public int CachedTokens { get; init; }

    public int KvBlocks { get; init; }

    public int Preemptions { get; init; }
}

/// <summary>Why generation ended.</summary>
public static class FinishReasons
{
    public const string Length = "length";
    public const string Stop = "stop";
    public const string EndOfText = "eos";
}

/// <summary>A validated generation request.</summary>
public sealed record GenerationSpec(int[] PromptTokens, int MaxTokens, SamplingSettings Sampling, IReadOnlyList<string> Stops, bool IgnoreEndOfText)
{
    /// <summary>Structured output: restricts the tokens sampled; the text ends when the constrained value does.</summary>
    public ITokenConstraint? Constraint { get; init; }
}
