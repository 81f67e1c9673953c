namespace Mesh.Telemetry.Analytics.Metrics;

/// <summary>A validated metrics query: window, optional time bucket, groups, filters, metrics.</summary>
public sealed record MetricsSpec
{
    public required DateTime From { get; init; }

    public required DateTime To { get; init; }

    public TimeBucket? Bucket { get; init; }

    /// <summary>Normalized dimension names.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>Normalized dimension and the value it must equal.</summary>
    public IReadOnlyList<(string Dimension, string Value)> Filters { get; init; } = [];

    /// <summary>The tenant scope; null only for admins reading every tenant.</summary>
    public string? TenantId { get; init; }

    public IReadOnlyList<string> Metrics { get; init; } = ["events", "cost_usd"];

    public bool IncludeAudit { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>Let ClickHouse answer whole hours from its roll-up (tests turn it off to compare).</summary>
    public bool UseRollup { get; init; } = true;
}
