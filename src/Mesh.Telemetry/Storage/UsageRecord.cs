namespace Mesh.Telemetry.Storage;

/// <summary>One validated, priced usage event as the store keeps it (a row of <c>usage_events</c>).</summary>
public sealed record UsageRecord
{
    public required Guid EventId { get; init; }

    /// <summary>UTC.</summary>
    public required DateTime OccurredAt { get; init; }

    public required string TenantId { get; init; }

    public string PrincipalId { get; init; } = "";

    public string AgentId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string StepId { get; init; } = "";

    public string Service { get; init; } = "";

    /// <summary>Short lowercase name, for example <c>embedding</c>.</summary>
    public required string Kind { get; init; }

    public string Resource { get; init; } = "";

    public string ResourceVersion { get; init; } = "";

    public string Device { get; init; } = "";

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    /// <summary>Of the input tokens, those read from a prompt cache.</summary>
    public long CachedTokens { get; init; }

    /// <summary>Of the output tokens, those spent reasoning.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Generation: milliseconds to the first output token; 0 when none.</summary>
    public double TtftMs { get; init; }

    /// <summary>The resource key the event was priced under (its price class, else its resource).</summary>
    public string PricedAs { get; init; } = "";

    public double QueueMs { get; init; }

    public double ComputeMs { get; init; }

    public double TotalMs { get; init; }

    public int BatchSize { get; init; }

    /// <summary>Short lowercase name, for example <c>ok</c>.</summary>
    public required string Status { get; init; }

    public decimal CostUsd { get; init; }

    public string PriceVersion { get; init; } = "";

    /// <summary>A JSON object of string attributes.</summary>
    public string Attributes { get; init; } = "{}";

    public string TraceId { get; init; } = "";

    /// <summary>The budget reservation the event settles (not stored as a column; its attributes keep it).</summary>
    public string ReservationId { get; init; } = "";

    /// <summary>
    /// Not stored: true when whoever hands the record to the store knows the event arrives for
    /// the first time (its producer's first send, read from Kafka for the first time), so the
    /// store need not look its id up among those it has. False, the default, makes it look.
    /// </summary>
    public bool FirstArrival { get; init; }

    /// <summary>The records of <paramref name="batch"/> with the first of each event id kept, in order.</summary>
    public static List<UsageRecord> FirstOfEachEvent(IReadOnlyList<UsageRecord> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var seen = new HashSet<Guid>(batch.Count);
        return [.. batch.Where(r => seen.Add(r.EventId))];
    }
}
