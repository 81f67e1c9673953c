using System.Text.Json.Nodes;

namespace Mesh.Agents.Workflows.Definitions;

/// <summary>
/// One step of a workflow: what every step has (id, kind, where to go next, where its result
/// goes in the state, retries, timeout, compensation, a loop bound), and the kind's own
/// settings as they were written (<see cref="Spec"/>), which the step kind reads.
/// </summary>
public sealed record StepDefinition(string Id, string Kind, JsonObject Spec, string Path)
{
    /// <summary>The step after this one; null: the run ends (branches name theirs in their cases).</summary>
    public string? Next { get; init; }

    /// <summary>The state key the step's result is written to; null: the result is kept in the history only.</summary>
    public string? Output { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>How long one attempt may take (a wait step: how long it waits for its signal).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Runs when the run is cancelled or fails after this step completed.</summary>
    public StepDefinition? Compensate { get; init; }

    /// <summary>How often the step may run in one run: the bound of a loop through it.</summary>
    public int? MaxVisits { get; init; }

    /// <summary>On a failure retries cannot fix, the step's result is the error and the run goes on (<c>onError: continue</c>).</summary>
    public bool ContinueOnError { get; init; }

    public string? String(string name) => Spec[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public JsonNode? Node(string name) => Spec[name];

    public int? Integer(string name) => Spec[name] is JsonValue v && v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue ? (int)d : null;

    public double? Number(string name) => Spec[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}

/// <summary>Retries of retriable failures (unavailable, timed out, queue full): attempts in all, and the backoff between them.</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan Backoff, double Multiplier, TimeSpan MaxBackoff)
{
    public static readonly RetryPolicy Default = new(3, TimeSpan.FromMilliseconds(200), 2, TimeSpan.FromSeconds(10));

    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, 1, TimeSpan.Zero);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1.</summary>
    public TimeSpan BackoffAfter(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, Backoff.TotalMilliseconds * Math.Pow(Multiplier, Math.Max(0, attempt - 1))));
}
