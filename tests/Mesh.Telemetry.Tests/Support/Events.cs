using Google.Protobuf.WellKnownTypes;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Support;

/// <summary>Usage events for tests, valid unless a test changes them.</summary>
public static class Events
{
    public static readonly DateTime Noon = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    public static UsageEvent Embedding(string tenant = "acme", long inputTokens = 137, DateTime? at = null) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at ?? Noon),
        TenantId = tenant,
        PrincipalId = "alice",
        Service = "inference",
        Kind = UsageKind.Embedding,
        Resource = "all-MiniLM-L6-v2",
        ResourceVersion = "1",
        Device = "cpu",
        InputTokens = inputTokens,
        ComputeMs = 50,
        TotalMs = 55,
        BatchSize = 1,
        Status = UsageStatus.Ok,
    };

    public static UsageEvent ToolCall(string tenant = "acme", string tool = "calculator", UsageStatus status = UsageStatus.Ok, DateTime? at = null) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at ?? Noon),
        TenantId = tenant,
        PrincipalId = "alice",
        AgentId = "assistant",
        RunId = "run-1",
        Service = "tools",
        Kind = UsageKind.ToolCall,
        Resource = tool,
        TotalMs = 1,
        BatchSize = 1,
        Status = status,
        Attributes = { ["expression"] = "1+1" },
    };
}
