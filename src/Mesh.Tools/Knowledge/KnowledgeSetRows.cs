using System.Data.Common;

namespace Mesh.Tools.Knowledge;

/// <summary>The sets of a tenant as both stores list them: one query shape over their own tables, one row reader.</summary>
internal static class KnowledgeSetRows
{
    /// <summary>The tenant's sets ($1), or the one named ($2, empty for all), with document and chunk counts.</summary>
    public static string ListSql(string sets, string documents, string chunks) => $"""
        SELECT s.tenant, s.name, s.description, s.model, s.dimensions, s.created_at,
            (SELECT count(*) FROM {documents} d WHERE d.tenant = s.tenant AND d.set_name = s.name),
            (SELECT count(*) FROM {chunks} c WHERE c.tenant = s.tenant AND c.set_name = s.name)
        FROM {sets} s WHERE s.tenant = $1 AND ($2 = '' OR s.name = $2) ORDER BY s.name
        """;

    public static List<KnowledgeSetRecord> Read(DbDataReader reader)
    {
        var sets = new List<KnowledgeSetRecord>();
        while (reader.Read())
        {
            sets.Add(new KnowledgeSetRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                (int)reader.GetInt64(6), (int)reader.GetInt64(7), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return sets;
    }
}
