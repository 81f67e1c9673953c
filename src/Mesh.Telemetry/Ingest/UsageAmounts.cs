using Mesh.Usage.V1;

namespace Mesh.Telemetry.Ingest;

/// <summary>The amounts a usage event measures, and the one place that says which are valid.</summary>
public readonly record struct UsageAmounts(
    long InputTokens,
    long OutputTokens,
    long CachedTokens,
    long ReasoningTokens,
    double TtftMs,
    int BatchSize,
    double QueueMs,
    double ComputeMs,
    double TotalMs)
{
    public static UsageAmounts Of(UsageEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.InputTokens, e.OutputTokens, e.CachedTokens, e.ReasoningTokens, e.TimeToFirstTokenMs, e.BatchSize, e.QueueMs, e.ComputeMs, e.TotalMs);
    }

    /// <summary>What is wrong with the amounts, or null when nothing is.</summary>
    public string? Problem() =>
        Negative("input_tokens", InputTokens)
        ?? Negative("output_tokens", OutputTokens)
        ?? Negative("cached_tokens", CachedTokens)
        ?? Negative("reasoning_tokens", ReasoningTokens)
        ?? Subset("cached_tokens", CachedTokens, "input_tokens", InputTokens)
        ?? Subset("reasoning_tokens", ReasoningTokens, "output_tokens", OutputTokens)
        ?? NotDuration("time_to_first_token_ms", TtftMs)
        ?? Negative("batch_size", BatchSize)
        ?? NotDuration("queue_ms", QueueMs)
        ?? NotDuration("compute_ms", ComputeMs)
        ?? NotDuration("total_ms", TotalMs);

    private static string? Negative(string field, long value) => value < 0 ? $"{field} must not be negative (got {value})" : null;

    private static string? Subset(string part, long partValue, string whole, long wholeValue) =>
        partValue > wholeValue ? $"{part} ({partValue}) must not exceed {whole} ({wholeValue}): they are a part of them, not extra" : null;

    private static string? NotDuration(string field, double value) =>
        double.IsFinite(value) && value >= 0 ? null : $"{field} must be a finite, non-negative number of milliseconds (got {value})";
}
