using Google.Protobuf.WellKnownTypes;
using Mesh.Usage.V1;

namespace Mesh.Distributed.Tests.Support;

/// <summary>Usage events for the ingest tests.</summary>
internal static class UsageEvents
{
    /// <summary>A valid MiniLM embedding event of tenant acme, with a new id.</summary>
    public static UsageEvent Embedding(long inputTokens) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow),
        TenantId = "acme",
        Service = "inference",
        Kind = UsageKind.Embedding,
        Resource = "all-MiniLM-L6-v2",
        InputTokens = inputTokens,
        BatchSize = 1,
        Status = UsageStatus.Ok,
    };
}
