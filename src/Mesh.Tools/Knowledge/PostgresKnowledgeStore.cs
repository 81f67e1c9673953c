using Mesh.Tools.Storage.Postgres;
using Npgsql;

namespace Mesh.Tools.Knowledge;

/// <summary>
/// Knowledge sets in PostgreSQL, shared by every tools instance: vectors as <c>real[]</c>, search
/// an exact scan of the set's chunks with the cosine computed by the server (no extension
/// needed). Adding documents locks the set's row, so two instances adding to one set (or both
/// embedding the built-in handbook at start) take turns instead of interleaving.
/// </summary>
public sealed class PostgresKnowledgeStore(ToolsPostgres database) : IKnowledgeStore
{
    public bool TryCreate(KnowledgeSetRecord set)
    {
        ArgumentNullException.ThrowIfNull(set);
        using var connection = database.Source.OpenConnection();
        using var command = ToolsPostgres.Command(connection, null, """
            INSERT INTO tool_knowledge_sets(tenant, name, description, model, dimensions, created_at)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant, name) DO NOTHING
            """, set.Tenant, set.Name, set.Description, set.Model, set.Dimensions, set.CreatedAt.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    public int Delete(string tenant, string name)
    {
        using var connection = database.Source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (!Lock(connection, transaction, tenant, name))
        {
            return -1;
        }

        int documents;
        using (var count = ToolsPostgres.Command(connection, transaction,
            "DELETE FROM tool_knowledge_documents WHERE tenant = $1 AND set_name = $2", tenant, name))
        {
            documents = count.ExecuteNonQuery();
        }

        Execute(connection, transaction, "DELETE FROM tool_knowledge_chunks WHERE tenant = $1 AND set_name = $2", tenant, name);
        Execute(connection, transaction, "DELETE FROM tool_knowledge_sets WHERE tenant = $1 AND name = $2", tenant, name);
        transaction.Commit();
        return documents;
    }

    public void Put(string tenant, string set, int dimensions, IReadOnlyList<EmbeddedDocument> documents, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(documents);
        using var connection = database.Source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        if (!Lock(connection, transaction, tenant, set))
        {
            // Deleted meanwhile: nothing to add to.
            return;
        }

        Execute(connection, transaction, "UPDATE tool_knowledge_sets SET dimensions = $3 WHERE tenant = $1 AND name = $2 AND dimensions = 0", tenant, set, dimensions);
        foreach (var document in documents)
        {
            Execute(connection, transaction, "DELETE FROM tool_knowledge_chunks WHERE tenant = $1 AND set_name = $2 AND document_id = $3", tenant, set, document.Id);
            Execute(connection, transaction, "DELETE FROM tool_knowledge_documents WHERE tenant = $1 AND set_name = $2 AND id = $3", tenant, set, document.Id);
            Execute(connection, transaction, "INSERT INTO tool_knowledge_documents VALUES ($1, $2, $3, $4, $5, $6, $7)",
                tenant, set, document.Id, document.Title, document.Source, document.Text, now.ToUnixTimeMilliseconds());
        }

        using (var writer = connection.BeginBinaryImport(
            "COPY tool_knowledge_chunks(tenant, set_name, document_id, chunk, text, embedding) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var document in documents)
            {
                for (var i = 0; i < document.Chunks.Count; i++)
                {
                    writer.StartRow();
                    writer.Write(tenant);
                    writer.Write(set);
                    writer.Write(document.Id);
                    writer.Write(i);
                    writer.Write(document.Chunks[i].Text);
                    writer.Write(document.Chunks[i].Vector);
                }
            }

            writer.Complete();
        }

        transaction.Commit();
    }

    public KnowledgeSetRecord? Find(string tenant, string name) => List(tenant, name) is [var set, ..] ? set : null;

    public IReadOnlyList<KnowledgeSetRecord> List(string tenant, string? name = null)
    {
        using var connection = database.Source.OpenConnection();
        using var command = ToolsPostgres.Command(connection, null, KnowledgeSetRows.ListSql("tool_knowledge_sets", "tool_knowledge_documents", "tool_knowledge_chunks"), tenant, name ?? "");
        using var reader = command.ExecuteReader();
        return KnowledgeSetRows.Read(reader);
    }

    public IReadOnlyList<ChunkHit> Search(string tenant, string set, float[] query, int top)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = database.Source.OpenConnection();
        // Cosine in double precision over the pairs of both vectors (unnest walks them side by side).
        using var command = ToolsPostgres.Command(connection, null, """
            SELECT c.document_id, d.title, d.source, c.chunk, c.text,
                (SELECT sum(a::float8 * b) / nullif(sqrt(sum(a::float8 * a)) * sqrt(sum(b::float8 * b)), 0)
                 FROM unnest(c.embedding, $3::real[]) AS pair(a, b)) AS score
            FROM tool_knowledge_chunks c
            JOIN tool_knowledge_documents d ON d.tenant = c.tenant AND d.set_name = c.set_name AND d.id = c.document_id
            WHERE c.tenant = $1 AND c.set_name = $2
            ORDER BY score DESC NULLS LAST, c.document_id, c.chunk LIMIT $4
            """, tenant, set, query, top);
        using var reader = command.ExecuteReader();
        var hits = new List<ChunkHit>();
        while (reader.Read())
        {
            hits.Add(new ChunkHit(reader.IsDBNull(5) ? 0 : reader.GetDouble(5),
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4)));
        }

        return hits;
    }

    /// <summary>Locks the set's row for the transaction; false when there is no such set.</summary>
    private static bool Lock(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string name)
    {
        using var command = ToolsPostgres.Command(connection, transaction,
            "SELECT 1 FROM tool_knowledge_sets WHERE tenant = $1 AND name = $2 FOR UPDATE", tenant, name);
        return command.ExecuteScalar() is not null;
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] values)
    {
        using var command = ToolsPostgres.Command(connection, transaction, sql, values);
        command.ExecuteNonQuery();
    }
}
