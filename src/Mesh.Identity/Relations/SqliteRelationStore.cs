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

    public IRelationReader OpenReader(string tenantId) => new Reader(database.Open(), tenantId);

    private static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, string tenantId, RelationTuple tuple, long revision)
    {
        using var command = IdentityDatabase.Command(connection, sql, transaction,
            ("$tenant", tenantId), ("$ot", tuple.Object.Type), ("$oi", tuple.Object.Id), ("$rel", tuple.Relation),
            ("$st", tuple.Subject.Type), ("$si", tuple.Subject.Id), ("$sr", tuple.Subject.Relation), ("$revision", revision));
        return command.ExecuteNonQuery();
    }

    private sealed class Reader : IRelationReader
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _snapshot;
        private readonly string _tenant;
        private long? _revision;

        public Reader(SqliteConnection connection, string tenant)
        {
            _connection = connection;
            _tenant = tenant;
            _snapshot = connection.BeginTransaction(deferred: true); // a read snapshot under WAL
        }

        public long Revision => _revision ??= ReadRevision();

        public bool Any(ObjectRef obj, string relation)
        {
            using var command = Command(
                "SELECT EXISTS(SELECT 1 FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel)",
                ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation));
            return (long)command.ExecuteScalar()! == 1;
        }

        public bool HasDirect(ObjectRef obj, string relation, ObjectRef subject)
        {
            using var command = Command("""
                SELECT EXISTS(SELECT 1 FROM relations WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel
                AND subject_type = $st AND subject_id IN ($si, '*') AND subject_relation = '')
                """, ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation), ("$st", subject.Type), ("$si", subject.Id));
            return (long)command.ExecuteScalar()! == 1;
        }

        public IReadOnlyList<ObjectRef> Usersets(ObjectRef obj, string relation)
        {
            using var command = Command("""
                SELECT subject_type, subject_id, subject_relation FROM relations
                WHERE tenant = $tenant AND object_type = $ot AND object_id = $oi AND relation = $rel AND subject_relation <> ''
                """, ("$ot", obj.Type), ("$oi", obj.Id), ("$rel", relation));
            using var reader = command.ExecuteReader();
            var subjects = new List<ObjectRef>();
            while (reader.Read())
            {
                subjects.Add(new ObjectRef(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }

            return subjects;
        }

        public IReadOnlyList<string> ObjectIds(string type, string relation)
        {
            using var command = Command("SELECT DISTINCT object_id FROM relations WHERE tenant = $tenant AND object_type = $ot AND relation = $rel ORDER BY object_id",
                ("$ot", type), ("$rel", relation));
            using var reader = command.ExecuteReader();
            var ids = new List<string>();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }

        public IReadOnlyList<RelationTuple> Read(string objectType, string objectId, string relation, ObjectRef? subject)
        {
            using var command = Command("""
                SELECT object_type, object_id, relation, subject_type, subject_id, subject_relation FROM relations
                WHERE tenant = $tenant AND ($ot = '' OR object_type = $ot) AND ($oi = '' OR object_id = $oi) AND ($rel = '' OR relation = $rel)
                AND ($st = '' OR subject_type = $st) AND ($si = '' OR subject_id = $si) AND ($sr = '' OR subject_relation = $sr)
                ORDER BY object_type, object_id, relation, subject_type, subject_id LIMIT 10000
                """,
                ("$ot", objectType), ("$oi", objectId), ("$rel", relation),
                ("$st", subject?.Type ?? ""), ("$si", subject?.Id ?? ""), ("$sr", subject?.Relation ?? ""));
            using var reader = command.ExecuteReader();
            var tuples = new List<RelationTuple>();
            while (reader.Read())
            {
                tuples.Add(new RelationTuple(new ObjectRef(reader.GetString(0), reader.GetString(1)), reader.GetString(2),
                    new ObjectRef(reader.GetString(3), reader.GetString(4), reader.GetString(5))));
            }

            return tuples;
        }

        private long ReadRevision()
        {
            using var command = Command("SELECT value FROM revisions WHERE name = 'relations'");
            return (long)command.ExecuteScalar()!;
        }

        public void Dispose()
        {
            _snapshot.Dispose();
            _connection.Dispose();
        }

        private SqliteCommand Command(string sql, params (string, object?)[] parameters) =>
            IdentityDatabase.Command(_connection, sql, _snapshot, [("$tenant", _tenant), .. parameters]);
    }
}
