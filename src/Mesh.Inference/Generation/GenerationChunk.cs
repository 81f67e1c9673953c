namespace Mesh.Inference.Generation;

/// <summary>What a sequence produced since its previous chunk; the last chunk carries why it ended and its totals.</summary>
public sealed record GenerationChunk(string Text, int[] TokenIds, string? FinishReason = null, GenerationStats? Stats = null);

/// <summary>A finished sequence's totals.</summary>
public sealed record GenerationStats(int InputTokens, int OutputTokens, TimeSpan QueueTime, TimeSpan ComputeTime, int MaxBatchSize);

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
