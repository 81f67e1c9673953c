using System.Text.Json;
using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Testing;
using Mesh.Tools.V1;

namespace Mesh.Security.Tests.ToolExecution;

/// <summary>Knowledge sets under identity: a tenant's sets are its own, and knowledge_search is a tool like any other.</summary>
public sealed class KnowledgeAccessTests(SecureMesh mesh) : IClassFixture<SecureMesh>
{
    private Mesh.Tools.V1.Knowledge.KnowledgeClient Knowledge => new(mesh.Channel("tools"));

    [Fact]
    public async Task SearchKnowledge_AnotherTenantsSet_NotFoundWhileTheOwnerFindsIt()
    {
        var (_, adminA) = await mesh.CreateTenantAsync("kb-a");
        var (_, adminB) = await mesh.CreateTenantAsync("kb-b");
        await Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = "secrets" }, TestCalls.As(adminA));
        await Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = "secrets",
            Documents = { new KnowledgeSetDocument { Id = "plan", Text = "The launch code name is Bluebird." } },
        }, TestCalls.As(adminA, timeout: TimeSpan.FromSeconds(60)));

        var own = await Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = "secrets", Query = "launch code name" }, TestCalls.As(adminA));
        var other = await Assert.ThrowsAsync<RpcException>(() => Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = "secrets", Query = "launch code name" }, TestCalls.As(adminB)).ResponseAsync);
        var listed = await Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), TestCalls.As(adminB));

        Assert.Equal("plan", Assert.Single(own.Hits).DocumentId);
        Assert.Equal(StatusCode.NotFound, other.StatusCode);
        Assert.DoesNotContain("Bluebird", other.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(listed.Sets, s => s.Name == "secrets");
    }

    [Fact]
    public async Task KnowledgeSearch_AgentTokenWithoutTheTool_PermissionDenied()
    {
        var (_, admin) = await mesh.CreateTenantAsync("kb-scope");
        var token = (await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { Tools = { "calculator" } },
        }, TestCalls.As(admin))).Token;

        var tool = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "knowledge_search",
            ArgumentsJson = JsonSerializer.Serialize(new { set = "mesh-handbook", query = "what is mesh" }),
        }, TestCalls.As(token)).ResponseAsync);
        var rpc = await Assert.ThrowsAsync<RpcException>(() => Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = "mesh-handbook", Query = "what is mesh" }, TestCalls.As(token)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, tool.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, rpc.StatusCode);
    }

    [Fact]
    public async Task KnowledgeSearch_RunTokenWithTheToolAndTheModel_SearchesTheHandbook()
    {
        var (_, admin) = await mesh.CreateTenantAsync("kb-run");
        var token = (await mesh.TokensClient.IssueTokenAsync(new IssueTokenRequest
        {
            Actor = "assistant",
            Scope = new CredentialScope { RunId = "run-1", Tools = { "knowledge_search" }, Models = { "all-MiniLM-L6-v2" } },
        }, TestCalls.As(admin))).Token;

        var response = await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "knowledge_search",
            ArgumentsJson = JsonSerializer.Serialize(new { set = "mesh-handbook", query = "What is Mesh?", top_k = 1 }),
        }, TestCalls.As(token, timeout: TimeSpan.FromSeconds(60)));

        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.Equal("mesh", result.RootElement.GetProperty("hits")[0].GetProperty("document_id").GetString());
    }
}
