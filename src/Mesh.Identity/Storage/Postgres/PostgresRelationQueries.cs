using Mesh.Identity.Relations;
using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>The queries a relation reader sends; each is prepared once per connection (automatic preparation).</summary>
internal static class PostgresRelationQueries
{
    private const string Match = "tenant = $1 AND object_type = $2 AND object_id = $3 AND relation = $4";

    public const string Any = $"SELECT EXISTS(SELECT 1 FROM relations WHERE {Match})";

    public const string Usersets = $"SELECT subject_type, subject_id, subject_relation FROM relations WHERE {Match} AND subject_relation <> ''";

    /// <summary>The direct tuples of one subject (or <c>type:*</c>) and every userset: what a check asks of one object relation, in one query.</summary>
    public const string Probe = $"""
        SELECT subject_type, subject_id, subject_relation FROM relations
        WHERE {Match} AND (subject_relation <> '' OR (subject_type = $5 AND subject_id IN ($6, '*') AND subject_relation = ''))
        """;

    public const string ObjectIds = "SELECT DISTINCT object_id FROM relations WHERE tenant = $1 AND object_type = $2 AND relation = $3 ORDER BY object_id";

    /// <summary>Tuples matching a filter whose empty parts match anything.</summary>
    public const string Read = """
        SELECT object_type, object_id, relation, subject_type, subject_id, subject_relation FROM relations
        WHERE tenant = $1 AND ($2 = '' OR object_type = $2) AND ($3 = '' OR object_id = $3) AND ($4 = '' OR relation = $4)
          AND ($5 = '' OR subject_type = $5) AND ($6 = '' OR subject_id = $6) AND ($7 = '' OR subject_relation = $7)
        ORDER BY object_type, object_id, relation, subject_type, subject_id LIMIT 10000
        """;

    public static List<ObjectRef> ReadSubjects(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var subjects = new List<ObjectRef>();
        while (reader.Read())
        {
            subjects.Add(new ObjectRef(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return subjects;
    }
}
