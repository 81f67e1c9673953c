namespace Mesh.Tools.Knowledge;

/// <summary>A knowledge set as stored.</summary>
public sealed record KnowledgeSetRecord(string Tenant, string Name, string Description, string Model, int Dimensions, int Documents, int Chunks, DateTimeOffset CreatedAt);

/// <summary>A document with its chunks and their vectors, ready to store.</summary>
public sealed record EmbeddedDocument(string Id, string Title, string Source, string Text, IReadOnlyList<(string Text, float[] Vector)> Chunks);

/// <summary>One chunk found by a search.</summary>
public sealed record ChunkHit(double Score, string DocumentId, string Title, string Source, int Chunk, string Text);

/// <summary>
/// Knowledge sets, their documents and chunk vectors: DuckDB embedded in one tools instance
/// (<see cref="DuckDbKnowledgeStore"/>), PostgreSQL shared by instances in distributed mode
/// (<see cref="PostgresKnowledgeStore"/>). Every call names the tenant: a set is only ever found in
/// its own tenant (the mesh's built-in sets have the empty tenant). Search is exact (every chunk of
/// the set is scored): sets are small.
/// </summary>
public interface IKnowledgeStore
{
    /// <summary>Adds the set; false when the tenant already has one of that name.</summary>
    bool TryCreate(KnowledgeSetRecord set);

    /// <summary>Removes the set with its documents and chunks; how many documents it had, or -1 when there was no such set.</summary>
    int Delete(string tenant, string name);

    /// <summary>Stores the documents (replacing any with the same id) in one transaction; sets the set's dimensions on its first vectors.</summary>
    void Put(string tenant, string set, int dimensions, IReadOnlyList<EmbeddedDocument> documents, DateTimeOffset now);

    /// <summary>The sets of <paramref name="tenant"/> (all, or the one named <paramref name="name"/>), with their counts.</summary>
    IReadOnlyList<KnowledgeSetRecord> List(string tenant, string? name = null);

    /// <summary>The <paramref name="top"/> chunks of the set most similar to <paramref name="query"/> (cosine), best first.</summary>
    IReadOnlyList<ChunkHit> Search(string tenant, string set, float[] query, int top);

    /// <summary>The tenant's set named <paramref name="name"/>, with its counts, or null.</summary>
    KnowledgeSetRecord? Find(string tenant, string name);
}
