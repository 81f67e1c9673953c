using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Identity.V1;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Security.Tests.Trust;

/// <summary>
/// Who may change what others run or are alerted by: <c>agent:&lt;name&gt;#editor</c> (new workflow
/// versions) and <c>analytics:alerts#writer</c> (alert rules), open to members until a tenant
/// admin restricts them, like every resource relation.
/// </summary>
public sealed class EditorRelationTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private const string Workflow = """
        name: payout
        steps:
          - { id: done, kind: set, values: { ok: true } }
        """;

    [Fact]
    public async Task CreateWorkflow_EditorRestrictedToAnother_PermissionDeniedForMembersAndAllowedForTheEditor()
    {
        var (_, admin) = await mesh.CreateTenantAsync("editor");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var (_, dave) = await mesh.CreateUserAsync(admin, "dave");
        var first = await mesh.AgentsClient.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workflow }, TestCalls.As(carol));

        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "agent:Payout", Relation_ = "editor", Subject = "user:carol" } },
        }, TestCalls.As(admin));

        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.AgentsClient.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workflow }, TestCalls.As(dave)).ResponseAsync);
        var asJson = await Assert.ThrowsAsync<RpcException>(() => mesh.AgentsClient.CreateWorkflowAsync(
            new CreateWorkflowRequest { Definition = """{"name": " PAYOUT ", "steps": [{"id": "done", "kind": "set", "values": {"ok": true}}]}""", Format = "json" },
            TestCalls.As(dave)).ResponseAsync);
        var second = await mesh.AgentsClient.CreateWorkflowAsync(new CreateWorkflowRequest { Definition = Workflow }, TestCalls.As(carol));
        var latest = await mesh.AgentsClient.GetWorkflowAsync(new GetWorkflowRequest { Name = "payout" }, TestCalls.As(dave));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("editor", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, asJson.StatusCode);
        Assert.Equal((1, 2), (first.Version, second.Version));
        Assert.Equal(2, latest.Version);
    }

    [Fact]
    public async Task CreateAlertRule_WriterRestrictedToAnother_PermissionDeniedForMembers()
    {
        var (_, admin) = await mesh.CreateTenantAsync("writer");
        var (_, carol) = await mesh.CreateUserAsync(admin, "carol");
        var (_, dave) = await mesh.CreateUserAsync(admin, "dave");
        var alerts = new Alerts.AlertsClient(mesh.Channel("telemetry"));
        var rule = new AlertRule { Name = "spend", Metric = "cost_usd", Threshold = 1 };

        await mesh.PermissionsClient.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "analytics:alerts", Relation_ = "writer", Subject = "user:carol" } },
        }, TestCalls.As(admin));
        var refused = await Assert.ThrowsAsync<RpcException>(() => alerts.CreateAlertRuleAsync(rule, TestCalls.As(dave)).ResponseAsync);
        var created = await alerts.CreateAlertRuleAsync(rule, TestCalls.As(carol));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.False(string.IsNullOrEmpty(created.Id));
    }
}
