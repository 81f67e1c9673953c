using Mesh.Identity.Storage;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Relations;

public sealed class SqliteRelationStore(IdentityDatabase database) : IRelationStore
{
    public (long Revision, int Changed) Write(string tenantId, IReadOnlyList<RelationTuple> add, IReadOnlyList<RelationTuple> remove)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        return database.Write((connection, transaction) =>
        {
            using var bump = IdentityDatabase.Command(connection, "UPDATE revisions SET value = value + 1 WHERE name = 'relations' RETURNING value", transaction);
            var revision = (long)bump.ExecuteScalar()!;
            var changed = 0;
            foreach (var tuple in add)
            {
                changed += Execute(connection, transaction, """
                    INSERT OR IGNORE INTO relations(tenant, object_type, object_id, relation, subject_type, subject_id, subject_relation, revision)
                    VALUES ($tenant, $ot, $oi, $rel, $st, $si, $sr, $revision)
                    """, tenantId, tuple, revision);
            }

            foreach (var tuple in remove)
            {
                changed += Execute(connection, transaction, """
                    DELETE FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel
                    AND subject_type = $st AND subject_id = $si AND subject_relation = $sr
                    """, tenantId, tuple, revision);
            }

            return (revision, changed);
        });
    }

    public IRelationReader OpenReader(string tenantId) => new Reader(database.Read(), tenantId);

    private static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, string tenantId, RelationTuple tuple, long revision)
    {
        using var command = IdentityDatabase.Command(connection, sql, transaction,
            ("$tenant", tenantId), ("$ot", tuple.Object.Type), ("$oi", tuple.Object.Id), ("$rel", tuple.Relation),
            ("$st", tuple.Subject.Type), ("$si", tuple.Subject.Id), ("$sr", tuple.Subject.Relation), ("$revision", revision));
        return command.ExecuteNonQuery();
    }

    /// <summary>One check's queries, on one <see cref="ReadSnapshot"/>.</summary>
    private sealed class Reader(ReadSnapshot snapshot, string tenant) : IRelationReader
    {
        private long? _revision;

        public long Revision => _revision ??= (long)snapshot.Command("SELECT value FROM revisions WHERE name = 'relations'").ExecuteScalar()!;

        public bool Any(ObjectRef obj, string relation) => Exists(
            "SELECT EXISTS(SELECT 1 FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel)",
            ("$tenant", tenant), ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation));

        // Two lookups rather than "subject_id IN ($si, '*')": SQLite builds a temporary index for an IN list on every run.
        public bool HasDirect(ObjectRef obj, string relation, ObjectRef subject) => Exists("""
            SELECT EXISTS(SELECT 1 FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel
                AND subject_type = $st AND subject_id = $si AND subject_relation = '')
            OR EXISTS(SELECT 1 FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel
                AND subject_type = $st AND subject_id = '*' AND subject_relation = '')
            """, ("$tenant", tenant), ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation), ("$st", subject.Type), ("$si", subject.Id));

        public IReadOnlyList<ObjectRef> Usersets(ObjectRef obj, string relation)
        {
            using var reader = snapshot.Command("""
                SELECT subject_type, subject_id, subject_relation FROM relations
                WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel AND subject_relation <> ''
                """, ("$tenant", tenant), ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation)).ExecuteReader();
            var subjects = new List<ObjectRef>();
            while (reader.Read())
            {
                subjects.Add(new ObjectRef(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return subjects;
        }

        public IReadOnlyList<string> ObjectIds(string type, string relation)
        {
            using var reader = snapshot.Command(
                "SELECT DISTINCT object_id FROM relations WHERE tenant = $tenant AND object_type = $ot AND relation = $rel ORDER BY object_id",
                ("$tenant", tenant), ("$ot", type), ("$rel", relation)).ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }

        public IReadOnlyList<RelationTuple> Read(string objectType, string objectId, string relation, ObjectRef? subject)
        {
            using var reader = snapshot.Command("""
                SELECT object_type, object_id, relation, subject_type, subject_id, subject_relation FROM relations
                WHERE tenant = $tenant AND ($ot = '' OR object_type = $ot) AND ($oi = '' OR object_id = $oi) AND ($rel = '' OR relation = $rel)
                AND ($st = '' OR subject_type = $st) AND ($si = '' OR subject_id = $si) AND ($sr = '' OR subject_relation = $sr)
                ORDER BY object_type, object_id, relation, subject_type, subject_id LIMIT 10000
                """,
                ("$tenant", tenant), ("$ot", objectType), ("$oi", objectId), ("$rel", relation),
                ("$st", subject?.Type ?? ""), ("$si", subject?.Id ?? ""), ("$sr", subject?.Relation ?? "")).ExecuteReader();
            var tuples = new List<RelationTuple>();
            while (reader.Read())
            {
                tuples.Add(new RelationTuple(new ObjectRef(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                    new ObjectRef(reader.GetString(3), reader.GetString(4), reader.GetString(5))));
            }

            return tuples;
        }

        public void Dispose() => snapshot.Dispose();

        private bool Exists(string sql, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
            (long)snapshot.Command(sql, parameters).ExecuteScalar()! == 1;
    }
}
