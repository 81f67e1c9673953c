using Mesh.Identity.Relations;

namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// Relations in the shared database. A write bumps the one global revision: the row lock on it
/// orders writers, so revisions follow commit order, and the tuples carry the revision of the
/// statement that wrote them. A write is one statement, whatever the number of tuples.
/// </summary>
public sealed class PostgresRelationStore(PostgresDatabase database) : IRelationStore
{
    public (long Revision, int Changed) Write(string tenantId, IReadOnlyList<RelationTuple> add, IReadOnlyList<RelationTuple> remove)
    {
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        // One statement: the revision row is locked only while PostgreSQL runs it, never across a round trip.
        // Its parts share one snapshot, so a tuple both added and removed is left out of the insert (the end state of adding, then removing).
        return database.Query("""
            WITH bump AS (UPDATE revisions SET value = value + 1 WHERE name = 'relations' RETURNING value),
            removing AS (SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) AS t(ot, oi, rel, st, si, sr)),
            added AS (
                INSERT INTO relations(tenant, object_type, object_id, relation, subject_type, subject_id, subject_relation, revision)
                SELECT $1, a.ot, a.oi, a.rel, a.st, a.si, a.sr, bump.value
                FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS a(ot, oi, rel, st, si, sr), bump
                WHERE NOT EXISTS (SELECT 1 FROM removing d WHERE (d.ot, d.oi, d.rel, d.st, d.si, d.sr) = (a.ot, a.oi, a.rel, a.st, a.si, a.sr))
                ON CONFLICT DO NOTHING
                RETURNING 1),
            removed AS (
                DELETE FROM relations r USING removing d
                WHERE r.tenant = $1 AND r.object_type = d.ot AND r.object_id = d.oi AND r.relation = d.rel
                  AND r.subject_type = d.st AND r.subject_id = d.si AND r.subject_relation = d.sr
                RETURNING 1)
            SELECT (SELECT value FROM bump), (SELECT count(*) FROM added)::integer + (SELECT count(*) FROM removed)::integer
            """,
            r => (r.GetInt64(0), r.GetInt32(1)),
            [tenantId, .. Columns(add), .. Columns(remove)]).Single();
    }

    public IRelationReader OpenReader(string tenantId) => new PostgresRelationReader(database.Open(), tenantId);

    private static object[] Columns(IReadOnlyList<RelationTuple> tuples) =>
    [
        tuples.Select(t => t.Object.Type).ToArray(),
        tuples.Select(t => t.Object.Id).ToArray(),
        tuples.Select(t => t.Relation).ToArray(),
        tuples.Select(t => t.Subject.Type).ToArray(),
        tuples.Select(t => t.Subject.Id).ToArray(),
        tuples.Select(t => t.Subject.Relation).ToArray(),
    ];
}
