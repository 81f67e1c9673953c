using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Tools.Tests.Knowledge;

public sealed class KnowledgeSetTests(KnowledgeMesh mesh) : IClassFixture<KnowledgeMesh>
{
    private static readonly CallOptions Acme = TestCalls.As(TestKeys.Acme, timeout: TimeSpan.FromSeconds(60));
    private static readonly CallOptions Globex = TestCalls.As(TestKeys.Globex, timeout: TimeSpan.FromSeconds(60));

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<string> SetWithDocumentsAsync()
    {
        var name = Unique("kb");
        await mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = name, Description = "runbooks" }, Acme);
        await mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = name,
            Documents =
            {
                new KnowledgeSetDocument { Id = "db", Title = "Database failover", Source = "runbooks/db.md", Text = "# Failover\nWhen the primary PostgreSQL server dies, promote the replica with pg_ctl promote and repoint the connection string.\n\n# Backups\nNightly backups go to the object store and are kept thirty days." },
                new KnowledgeSetDocument { Id = "oncall", Title = "On-call", Source = "runbooks/oncall.md", Text = "The on-call engineer answers pages within fifteen minutes and hands over every Monday at nine." },
                new KnowledgeSetDocument { Id = "coffee", Title = "Office", Source = "wiki/office.md", Text = "The coffee machine on the third floor is descaled on Fridays." },
            },
        }, Acme);
        return name;
    }

    [Fact]
    public async Task KnowledgeSearch_Tool_AnswersTopKWithScoresAndSourcesBestFirst()
    {
        var set = await SetWithDocumentsAsync();

        var response = await mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "knowledge_search",
            ArgumentsJson = JsonSerializer.Serialize(new { set, query = "how do I promote the replica when the primary database fails?", top_k = 2 }),
        }, Acme);

        using var result = JsonDocument.Parse(response.ResultJson);
        var hits = result.RootElement.GetProperty("hits").EnumerateArray().ToList();
        Assert.Equal(2, hits.Count);
        Assert.Equal(("db", "runbooks/db.md", "Database failover"), (hits[0].GetProperty("document_id").GetString(), hits[0].GetProperty("source").GetString(), hits[0].GetProperty("title").GetString()));
        Assert.Contains("pg_ctl promote", hits[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(hits[0].GetProperty("score").GetDouble() > hits[1].GetProperty("score").GetDouble());
        var usage = mesh.Tools.Usage.Events.Last(e => e.Resource == "knowledge_search");
        Assert.Equal(("knowledge-search", UsageStatus.Ok), (usage.Attributes["price_class"], usage.Status));
    }

    [Fact]
    public async Task AddDocuments_Markdown_ChunkedByHeadingAndCounted()
    {
        var set = await SetWithDocumentsAsync();

        var sets = await mesh.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), Acme);

        var info = Assert.Single(sets.Sets, s => s.Name == set);
        Assert.Equal((3, 4, 384, "all-MiniLM-L6-v2", false), (info.Documents, info.Chunks, info.Dimensions, info.Model, info.BuiltIn));
    }

    [Fact]
    public async Task AddDocuments_SameIdAgain_ReplacesTheDocument()
    {
        var set = await SetWithDocumentsAsync();

        await mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = set,
            Documents = { new KnowledgeSetDocument { Id = "coffee", Title = "Office", Text = "The tea kettle in the kitchen is replaced every spring." } },
        }, Acme);
        var hits = await mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = set, Query = "tea kettle", TopK = 20 }, Acme);

        Assert.Equal(4, hits.Hits.Count);
        Assert.Contains(hits.Hits, h => h.Text.Contains("tea kettle", StringComparison.Ordinal));
        Assert.DoesNotContain(hits.Hits, h => h.Text.Contains("coffee", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KnowledgeSets_AnotherTenant_NeitherListedNorSearchableNorChangeable()
    {
        var set = await SetWithDocumentsAsync();

        var listed = await mesh.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), Globex);
        var search = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = set, Query = "replica" }, Globex).ResponseAsync);
        var tool = await Assert.ThrowsAsync<RpcException>(() => mesh.ToolsClient.InvokeToolAsync(new InvokeToolRequest
        {
            Tool = "knowledge_search",
            ArgumentsJson = JsonSerializer.Serialize(new { set, query = "replica" }),
        }, Globex).ResponseAsync);
        var add = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest { Set = set, Documents = { new KnowledgeSetDocument { Text = "x" } } }, Globex).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.DeleteKnowledgeSetAsync(new DeleteKnowledgeSetRequest { Name = set }, Globex).ResponseAsync);

        Assert.DoesNotContain(listed.Sets, s => s.Name == set);
        Assert.All(new[] { search, tool, add, delete }, e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.DoesNotContain(set, search.Status.Detail.Split("sets this tenant can use:")[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnowledgeSearch_BuiltInHandbook_EveryTenantFindsItAndNoneChangesIt()
    {
        var forAcme = await mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = "mesh-handbook", Query = "What does an embedding cost?", TopK = 1 }, Acme);
        var forGlobex = await mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = "mesh-handbook", Query = "What is Mesh?", TopK = 3 }, Globex);
        var add = await Assert.ThrowsAsync<RpcException>(() =>
            mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest { Set = "mesh-handbook", Documents = { new KnowledgeSetDocument { Text = "x" } } }, Acme).ResponseAsync);
        var delete = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.DeleteKnowledgeSetAsync(new DeleteKnowledgeSetRequest { Name = "mesh-handbook" }, Acme).ResponseAsync);
        var listed = await mesh.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), Globex);

        Assert.Equal("embedding-cost", Assert.Single(forAcme.Hits).DocumentId);
        Assert.Equal("mesh", forGlobex.Hits[0].DocumentId);
        Assert.Equal(StatusCode.FailedPrecondition, add.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, delete.StatusCode);
        var handbook = Assert.Single(listed.Sets, s => s.Name == "mesh-handbook");
        Assert.Equal((true, 8), (handbook.BuiltIn, handbook.Documents));
    }

    [Fact]
    public async Task SearchKnowledge_Rpc_MeteredAsOneRetrieval()
    {
        var set = await SetWithDocumentsAsync();

        await mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = set, Query = "pages" }, Acme);

        var usage = mesh.Tools.Usage.Events.Last(e => e.Kind == UsageKind.Retrieval);
        Assert.Equal(("knowledge-search", "acme", UsageStatus.Ok), (usage.Resource, usage.TenantId, usage.Status));
    }

    [Fact]
    public async Task AddDocuments_BadDocuments_EveryProblemNamedAndNothingStored()
    {
        var set = Unique("bad");
        await mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = set }, Acme);

        var error = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = set,
            Documents =
            {
                new KnowledgeSetDocument { Id = "a", Text = "fine" },
                new KnowledgeSetDocument { Id = "a", Text = "twice" },
                new KnowledgeSetDocument { Id = "b", Text = "  " },
            },
        }, Acme).ResponseAsync);
        var sets = await mesh.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), Acme);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("documents[1].id: 'a' appears twice", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("documents[2].text: is empty", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(sets.Sets, s => s.Name == set).Documents);
    }

    [Fact]
    public async Task AddDocuments_HeadingsOnlyAndHeadingMarksOnly_TheFirstIsFoundTheSecondRefusedNamingIt()
    {
        var set = Unique("headings");
        await mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = set }, Acme);

        var added = await mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = set,
            Documents = { new KnowledgeSetDocument { Id = "outline", Text = "# Rotating a key\n## Revoking the old key" } },
        }, Acme);
        var hits = await mesh.Knowledge.SearchKnowledgeAsync(new SearchKnowledgeRequest { Set = set, Query = "rotate a key", TopK = 1 }, Acme);
        var marks = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.AddDocumentsAsync(new AddDocumentsRequest
        {
            Set = set,
            Documents = { new KnowledgeSetDocument { Id = "fine", Text = "fine" }, new KnowledgeSetDocument { Id = "marks", Text = "#\n##" } },
        }, Acme).ResponseAsync);
        var sets = await mesh.Knowledge.ListKnowledgeSetsAsync(new ListKnowledgeSetsRequest(), Acme);

        Assert.Equal(1, added.Chunks);
        Assert.Equal("outline", Assert.Single(hits.Hits).DocumentId);
        Assert.Equal(StatusCode.InvalidArgument, marks.StatusCode);
        Assert.Contains("documents[1].text", marks.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(sets.Sets, s => s.Name == set).Documents);
    }

    [Fact]
    public async Task CreateKnowledgeSet_BadOrTakenName_Refused()
    {
        var set = Unique("dup");
        await mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = set }, Acme);

        var twice = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = set }, Acme).ResponseAsync);
        var builtIn = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = "mesh-handbook" }, Acme).ResponseAsync);
        var bad = await Assert.ThrowsAsync<RpcException>(() => mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = "Bad Name" }, Acme).ResponseAsync);
        var otherTenant = await mesh.Knowledge.CreateKnowledgeSetAsync(new CreateKnowledgeSetRequest { Name = set }, Globex);

        Assert.Equal(StatusCode.AlreadyExists, twice.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, builtIn.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(set, otherTenant.Name);
    }
}
