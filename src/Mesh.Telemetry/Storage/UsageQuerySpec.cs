using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Storage;

/// <summary>
/// A validated analytics query: a time window [From, To), dimensions to group by, filters
/// (null means no filter) and the most rows to return, largest cost first.
/// </summary>
public sealed record UsageQuerySpec
{
    public required DateTime From { get; init; }

    public required DateTime To { get; init; }

    public IReadOnlyList<Dimension> GroupBy { get; init; } = [];

    public string? TenantId { get; init; }

    public string? AgentId { get; init; }

    public string? RunId { get; init; }

    public string? Resource { get; init; }

    /// <summary>Short lowercase kind name, as stored.</summary>
    public string? Kind { get; init; }

    public int Limit { get; init; } = 100;

    /// <summary>Count access decisions (kind <c>audit</c>) too; they are not cost rows, so they are left out unless asked for.</summary>
    public bool IncludeAudit { get; init; }
}

/// <summary>Sums over one group of events (or over all of them for the total).</summary>
public sealed record UsageAggregate(
    IReadOnlyList<string> Keys,
    long Events,
    long InputTokens,
    long OutputTokens,
    long CachedTokens,
    double ComputeMs,
    decimal CostUsd,
    long Errors);

/// <summary>The groups a query returned (at most its limit) and the total over every matching event.</summary>
public sealed record UsageQueryResult(IReadOnlyList<UsageAggregate> Rows, UsageAggregate Total);
