using Mesh.Tools.Knowledge;
using Mesh.Tools.Storage.Postgres;
using Mesh.Tools.Tests.Idempotency;

namespace Mesh.Tools.Tests.Knowledge;

/// <summary>What every knowledge store does, run against DuckDB and PostgreSQL with vectors made up for the test.</summary>
public abstract class KnowledgeStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset Now = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    protected IKnowledgeStore Store { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Another store on the same data (another tools instance's).</summary>
    protected abstract IKnowledgeStore Another();

    private static KnowledgeSetRecord Set(string tenant, string name) => new(tenant, name, "runbooks", "m", 0, 0, 0, Now);

    private static EmbeddedDocument Document(string id, params float[][] vectors) =>
        new(id, $"Title {id}", $"docs/{id}.md", $"text of {id}", [.. vectors.Select((v, i) => ($"{id} chunk {i}", v))]);

    private static void Fill(IKnowledgeStore store, string tenant = "acme", string name = "kb")
    {
        Assert.True(store.TryCreate(Set(tenant, name)));
        store.Put(tenant, name, 3, [
            Document("north", [0, 1, 0], [0.1f, 0.9f, 0]),
            Document("east", [1, 0, 0]),
            Document("mixed", [0.7f, 0.7f, 0]),
        ], Now);
    }

    [Fact]
    public void Search_ExactCosine_TopKBestFirstWithSources()
    {
        Fill(Store);

        var hits = Store.Search("acme", "kb", [0, 2, 0], 3);

        Assert.Equal([("north", 0), ("north", 1), ("mixed", 0)], hits.Select(h => (h.DocumentId, h.Chunk)));
        Assert.Equal(1.0, hits[0].Score, 5);
        Assert.Equal(0.9 / Math.Sqrt(0.82), hits[1].Score, 5);
        Assert.Equal(("Title north", "docs/north.md", "north chunk 0"), (hits[0].Title, hits[0].Source, hits[0].Text));
    }

    [Fact]
    public void List_AfterPut_CountsDocumentsAndChunksAndKeepsTheDimensions()
    {
        Fill(Store);

        var set = Assert.Single(Store.List("acme"));

        Assert.Equal(("kb", 3, 3, 4), (set.Name, set.Dimensions, set.Documents, set.Chunks));
        Assert.Equal(set, Store.Find("acme", "kb"));
    }

    [Fact]
    public void Put_SameDocumentIdAgain_ReplacesItsChunks()
    {
        Fill(Store);

        Store.Put("acme", "kb", 3, [Document("north", [0, 0, 1])], Now);

        Assert.Equal(3, Store.Find("acme", "kb")!.Chunks);
        Assert.Equal(("north", 1.0), Store.Search("acme", "kb", [0, 0, 1], 1).Select(h => (h.DocumentId, Math.Round(h.Score, 5))).Single());
    }

    [Fact]
    public void TryCreateFindSearchDelete_OtherTenant_SeesNothingOfTheSet()
    {
        Fill(Store);

        Assert.Null(Store.Find("globex", "kb"));
        Assert.Empty(Store.List("globex"));
        Assert.Empty(Store.Search("globex", "kb", [0, 1, 0], 3));
        Assert.Equal(-1, Store.Delete("globex", "kb"));
        Assert.True(Store.TryCreate(Set("globex", "kb")));
        Assert.False(Store.TryCreate(Set("acme", "kb")));
        Assert.Equal(3, Store.Find("acme", "kb")!.Documents);
    }

    [Fact]
    public void Delete_Set_RemovesDocumentsAndChunks()
    {
        Fill(Store);

        Assert.Equal(3, Store.Delete("acme", "kb"));

        Assert.Null(Store.Find("acme", "kb"));
        Assert.Empty(Store.Search("acme", "kb", [0, 1, 0], 3));
        Assert.True(Store.TryCreate(Set("acme", "kb")));
        Assert.Equal(0, Store.Find("acme", "kb")!.Chunks);
    }
}

public sealed class DuckDbKnowledgeStoreTests : KnowledgeStoreContract
{
    private readonly string _directory = TestFolders.New("mesh-knowledge");

    public override Task InitializeAsync()
    {
        Store = new DuckDbKnowledgeStore(Path.Combine(_directory, "knowledge.duckdb"));
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        ((IDisposable)Store).Dispose();
        TestFolders.Delete(_directory);
        return Task.CompletedTask;
    }

    protected override IKnowledgeStore Another() => Store;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresKnowledgeStoreTests(PostgresFixture postgres) : KnowledgeStoreContract
{
    private readonly List<ToolsPostgres> _databases = [];
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await postgres.NewDatabaseAsync();
        Store = Another();
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }
    }

    protected override IKnowledgeStore Another()
    {
        var database = new ToolsPostgres(_connectionString);
        _databases.Add(database);
        return new PostgresKnowledgeStore(database);
    }

    [Fact]
    public async Task PutAndSearch_TwoInstances_EachSeesTheOthersSetAndConcurrentPutsOfOneDocumentLeaveOneCopy()
    {
        var other = Another();
        Assert.True(Store.TryCreate(new KnowledgeSetRecord("acme", "shared", "", "m", 0, 0, 0, Now)));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : other).Put("acme", "shared", 2, [new EmbeddedDocument("handbook", "Handbook", "mesh:handbook", "t", [("a", [1f, 0f]), ("b", [0f, 1f])])], Now))))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((1, 2), (other.Find("acme", "shared")!.Documents, other.Find("acme", "shared")!.Chunks));
        Assert.Equal(("handbook", 1), other.Search("acme", "shared", [0f, 3f], 1).Select(h => (h.DocumentId, h.Chunk)).Single());
    }
}
