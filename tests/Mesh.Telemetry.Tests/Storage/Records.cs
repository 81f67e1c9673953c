using Mesh.Telemetry.Storage;

namespace Mesh.Telemetry.Tests.Storage;

internal static class Records
{
    public static readonly DateTime Noon = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public static UsageRecord Record(string tenant = "acme", string resource = "calculator", decimal cost = 0.0001m, long inputTokens = 0, string status = "ok", DateTime? at = null) => new()
    {
        EventId = Guid.NewGuid(),
        OccurredAt = at ?? Noon,
        TenantId = tenant,
        Kind = "tool_call",
        Resource = resource,
        InputTokens = inputTokens,
        ComputeMs = 2.5,
        Status = status,
        CostUsd = cost,
        PriceVersion = "test",
    };

    public static UsageQuerySpec Window(params Mesh.Telemetry.V1.Dimension[] groupBy) => new()
    {
        From = Noon.AddHours(-1),
        To = Noon.AddHours(1),
        GroupBy = groupBy,
    };
}
