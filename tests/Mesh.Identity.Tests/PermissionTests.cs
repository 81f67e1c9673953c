using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;

namespace Mesh.Identity.Tests;

public sealed class PermissionTests : IDisposable
{
    private readonly IdentityHost _host = new();

    [Fact]
    public async Task Check_ToolWithoutRelations_OpenToTenantMembers()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");

        var check = await _host.Permissions.CheckAsync(new CheckRequest { Object = "tool:calculator", Relation = "invoker" }, TestCalls.As(carol));

        Assert.True(check.Allowed);
        Assert.Contains("open", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_RightAfterARestrictingWrite_SeesTheWrite()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");
        var dave = await _host.CreatePrincipalAsync(admin, "dave");

        var write = await _host.Permissions.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calculator", Relation_ = "invoker", Subject = "user:carol" } },
        }, TestCalls.As(admin));
        var carolCheck = await _host.Permissions.CheckAsync(new CheckRequest { Object = "tool:calculator", Relation = "invoker", AtLeastRevision = write.Revision }, TestCalls.As(carol));
        var daveCheck = await _host.Permissions.CheckAsync(new CheckRequest { Object = "tool:calculator", Relation = "invoker", AtLeastRevision = write.Revision }, TestCalls.As(dave));

        Assert.True(carolCheck.Allowed);
        Assert.False(daveCheck.Allowed);
        Assert.Contains("tool:calculator#invoker", daveCheck.Reason, StringComparison.Ordinal);
        Assert.True(daveCheck.Revision >= write.Revision);
    }

    [Fact]
    public async Task Check_ThroughGroupUserset_Allowed()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var carol = await _host.CreatePrincipalAsync(admin, "carol");
        await _host.Permissions.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations =
            {
                new Relation { Object = "model:all-MiniLM-L6-v2", Relation_ = "invoker", Subject = "group:ml#member" },
                new Relation { Object = "group:ml", Relation_ = "member", Subject = "user:carol" },
            },
        }, TestCalls.As(admin));

        var check = await _host.Permissions.CheckAsync(new CheckRequest { Object = "model:all-MiniLM-L6-v2", Relation = "invoker" }, TestCalls.As(carol));

        Assert.True(check.Allowed);
    }

    [Fact]
    public async Task DeleteRelations_LastInvoker_ToolOpenAgain()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var dave = await _host.CreatePrincipalAsync(admin, "dave");
        var relation = new Relation { Object = "tool:clock", Relation_ = "invoker", Subject = "user:carol" };
        await _host.Permissions.WriteRelationsAsync(new WriteRelationsRequest { Relations = { relation } }, TestCalls.As(admin));

        await _host.Permissions.DeleteRelationsAsync(new DeleteRelationsRequest { Relations = { relation } }, TestCalls.As(admin));
        var check = await _host.Permissions.CheckAsync(new CheckRequest { Object = "tool:clock", Relation = "invoker" }, TestCalls.As(dave));

        Assert.True(check.Allowed);
    }

    [Fact]
    public async Task ListObjects_RestrictedAndOpenTools_ListsOnlyWhatTheSubjectMayInvoke()
    {
        var admin = await _host.CreateTenantAsync("acme");
        var dave = await _host.CreatePrincipalAsync(admin, "dave");
        await _host.Permissions.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calculator", Relation_ = "invoker", Subject = "user:carol" } },
        }, TestCalls.As(admin));

        var list = await _host.Permissions.ListObjectsAsync(new ListObjectsRequest { Type = "tool", Relation = "invoker", Candidates = { "calculator", "clock" } }, TestCalls.As(dave));

        Assert.Equal(["tool:clock"], list.Objects);
    }

    [Fact]
    public async Task WriteRelations_UnknownRelation_InvalidArgumentNamingTheField()
    {
        var admin = await _host.CreateTenantAsync("acme");

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Permissions.WriteRelationsAsync(new WriteRelationsRequest
        {
            Relations = { new Relation { Object = "tool:calculator", Relation_ = "owner", Subject = "user:carol" } },
        }, TestCalls.As(admin)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("relations[0]", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Decision_IsAnAuditUsageEvent()
    {
        await _host.Permissions.CheckAsync(new CheckRequest { Object = "tool:calculator", Relation = "invoker" }, TestCalls.As(TestKeys.Acme));

        var audit = Assert.Single(_host.Factory.Usage.Events, e => e.Kind == Usage.V1.UsageKind.Audit);
        Assert.Equal(("acme", "alice", "tool:calculator"), (audit.TenantId, audit.PrincipalId, audit.Resource));
        Assert.Equal("allow", audit.Attributes["decision"]);
        Assert.Equal(64, audit.Attributes["request_digest"].Length);
    }

    public void Dispose() => _host.Dispose();
}
