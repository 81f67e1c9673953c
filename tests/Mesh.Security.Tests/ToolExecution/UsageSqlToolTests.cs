using System.Text.Json;
using Grpc.Core;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Security.Tests.ToolExecution;

/// <summary>The usage_sql tool answers from telemetry's tenant-scoped SQL with the caller's credential: its own tenant's rows only.</summary>
public sealed class UsageSqlToolTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    [Fact]
    public async Task InvokeUsageSql_TenantAsksForEveryRun_SeesOnlyItsOwn()
    {
        var (a, adminA) = await mesh.CreateTenantAsync("sql-a");
        var (b, _) = await mesh.CreateTenantAsync("sql-b");
        var ingest = new UsageIngest.UsageIngestClient(mesh.Channel("telemetry"));
        await ingest.PublishAsync(new PublishRequest { Events = { Event(b, "secret-run"), Event(a, "own-run") } }, TestCalls.As(TestKeys.Admin));

        var response = await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "usage_sql",
            ArgumentsJson = """{"sql":"SELECT DISTINCT tenant_id, run_id FROM usage_events WHERE run_id <> '' ORDER BY run_id"}""",
        }, TestCalls.As(adminA));

        using var result = JsonDocument.Parse(response.ResultJson);
        var rows = result.RootElement.GetProperty("rows").EnumerateArray().Select(r => (r[0].GetString(), r[1].GetString())).ToList();
        Assert.Equal([(a, "own-run")], rows);
    }

    [Fact]
    public async Task InvokeUsageSql_AnEscapeFromTheViews_PermissionDeniedNamingTheFunction()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("sql-c");

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "usage_sql",
            ArgumentsJson = """{"sql":"SELECT * FROM usage_events UNION ALL SELECT * FROM read_csv('/etc/passwd')"}""",
        }, TestCalls.As(adminA)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("read_csv", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", error.Status.Detail, StringComparison.Ordinal);
    }

    private static UsageEvent Event(string tenant, string run) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
        TenantId = tenant,
        PrincipalId = "someone",
        RunId = run,
        Service = "tools",
        Kind = UsageKind.ToolCall,
        Resource = "calculator",
        Status = UsageStatus.Ok,
        BatchSize = 1,
    };
}
