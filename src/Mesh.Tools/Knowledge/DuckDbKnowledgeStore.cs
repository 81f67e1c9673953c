using DuckDB.NET.Data;

namespace Mesh.Tools.Knowledge;

/// <summary>
/// Knowledge sets, documents and chunk vectors in an embedded DuckDB file. Every statement names
/// the tenant: a set is only ever found in its own tenant (the mesh's built-in sets have the empty
/// tenant). One writer at a time; readers each open their own connection. Similarity is DuckDB's
/// <c>list_cosine_similarity</c> over every chunk of the set (exact search; sets here are small).
/// </summary>
public sealed class DuckDbKnowledgeStore : IKnowledgeStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS knowledge_sets(
            tenant VARCHAR NOT NULL, name VARCHAR NOT NULL, description VARCHAR NOT NULL, model VARCHAR NOT NULL,
            dimensions INTEGER NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS knowledge_documents(
            tenant VARCHAR NOT NULL, set_name VARCHAR NOT NULL, id VARCHAR NOT NULL, title VARCHAR NOT NULL,
            source VARCHAR NOT NULL, text VARCHAR NOT NULL, added_at BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS knowledge_chunks(
            tenant VARCHAR NOT NULL, set_name VARCHAR NOT NULL, document_id VARCHAR NOT NULL, chunk INTEGER NOT NULL,
            text VARCHAR NOT NULL, embedding FLOAT[] NOT NULL);
        """;

    private readonly string _connectionString;
    private readonly Lazy<DuckDBConnection> _opened;
    private readonly Lock _writing = new();

    /// <summary>The database at <paramref name="path"/>, opened (and created) on first use.</summary>
    public DuckDbKnowledgeStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _connectionString = $"Data Source={Path.GetFullPath(path)}";
        _opened = new Lazy<DuckDBConnection>(() =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var writer = new DuckDBConnection(_connectionString);
            writer.Open();
            Execute(writer, Schema);
            return writer;
        });
    }

    private DuckDBConnection Writer => _opened.Value;

    public bool TryCreate(KnowledgeSetRecord set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_writing)
        {
            if (Find(set.Tenant, set.Name) is not null)
            {
                return false;
            }

            Execute(Writer, "INSERT INTO knowledge_sets VALUES ($1, $2, $3, $4, $5, $6)",
                set.Tenant, set.Name, set.Description, set.Model, set.Dimensions, set.CreatedAt.ToUnixTimeMilliseconds());
            return true;
        }
    }

    public int Delete(string tenant, string name)
    {
        lock (_writing)
        {
            if (Find(tenant, name) is not { } set)
            {
                return -1;
            }

            using var transaction = Writer.BeginTransaction();
            Execute(Writer, "DELETE FROM knowledge_chunks WHERE tenant = $1 AND set_name = $2", tenant, name);
            Execute(Writer, "DELETE FROM knowledge_documents WHERE tenant = $1 AND set_name = $2", tenant, name);
            Execute(Writer, "DELETE FROM knowledge_sets WHERE tenant = $1 AND name = $2", tenant, name);
            transaction.Commit();
            return set.Documents;
        }
    }

    public void Put(string tenant, string set, int dimensions, IReadOnlyList<EmbeddedDocument> documents, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(documents);
        lock (_writing)
        {
            using var transaction = Writer.BeginTransaction();
            Execute(Writer, "UPDATE knowledge_sets SET dimensions = $3 WHERE tenant = $1 AND name = $2 AND dimensions = 0", tenant, set, dimensions);
            foreach (var document in documents)
            {
                Execute(Writer, "DELETE FROM knowledge_chunks WHERE tenant = $1 AND set_name = $2 AND document_id = $3", tenant, set, document.Id);
                Execute(Writer, "DELETE FROM knowledge_documents WHERE tenant = $1 AND set_name = $2 AND id = $3", tenant, set, document.Id);
                Execute(Writer, "INSERT INTO knowledge_documents VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    tenant, set, document.Id, document.Title, document.Source, document.Text, now.ToUnixTimeMilliseconds());
            }

            using (var appender = Writer.CreateAppender("knowledge_chunks"))
            {
                foreach (var document in documents)
                {
                    for (var i = 0; i < document.Chunks.Count; i++)
                    {
                        appender.CreateRow()
                            .AppendValue(tenant).AppendValue(set).AppendValue(document.Id).AppendValue(i)
                            .AppendValue(document.Chunks[i].Text).AppendValue(document.Chunks[i].Vector)
                            .EndRow();
                    }
                }
            }

            transaction.Commit();
        }
    }

    public KnowledgeSetRecord? Find(string tenant, string name) => List(tenant, name) is [var set, ..] ? set : null;

    public IReadOnlyList<KnowledgeSetRecord> List(string tenant, string? name = null)
    {
        using var connection = OpenReader();
        using var command = Command(connection, KnowledgeSetRows.ListSql("knowledge_sets", "knowledge_documents", "knowledge_chunks"), tenant, name ?? "");
        using var reader = command.ExecuteReader();
        return KnowledgeSetRows.Read(reader);
    }

    public IReadOnlyList<ChunkHit> Search(string tenant, string set, float[] query, int top)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var connection = OpenReader();
        using var command = Command(connection, """
            SELECT c.document_id, d.title, d.source, c.chunk, c.text, list_cosine_similarity(c.embedding, $3::FLOAT[]) AS score
            FROM knowledge_chunks c
            JOIN knowledge_documents d ON d.tenant = c.tenant AND d.set_name = c.set_name AND d.id = c.document_id
            WHERE c.tenant = $1 AND c.set_name = $2
            ORDER BY score DESC, c.document_id, c.chunk LIMIT $4
            """, tenant, set, query, top);
        using var reader = command.ExecuteReader();
        var hits = new List<ChunkHit>();
        while (reader.Read())
        {
            hits.Add(new ChunkHit(reader.IsDBNull(5) ? 0 : Convert.ToDouble(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4)));
        }

        return hits;
    }

    public void Dispose()
    {
        if (_opened.IsValueCreated)
        {
            _opened.Value.Dispose();
        }
    }

    private DuckDBConnection OpenReader()
    {
        _ = _opened.Value;
        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static DuckDBCommand Command(DuckDBConnection connection, string sql, params object[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in parameters)
        {
            command.Parameters.Add(new DuckDBParameter(value));
        }

        return command;
    }

    private static void Execute(DuckDBConnection connection, string sql, params object[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }
}
