namespace Mesh.Identity.Storage;

/// <summary>The identity database's tables. Times are Unix milliseconds; money is integer nano-dollars.</summary>
internal static class IdentitySchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS tenants(
            id TEXT PRIMARY KEY, display_name TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS principals(
            tenant TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, display_name TEXT NOT NULL,
            created_at INTEGER NOT NULL, PRIMARY KEY(tenant, id)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS api_keys(
            key_id TEXT PRIMARY KEY, digest BLOB NOT NULL, tenant TEXT NOT NULL, principal TEXT NOT NULL,
            name TEXT NOT NULL, scope TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);
        CREATE INDEX IF NOT EXISTS api_keys_by_principal ON api_keys(tenant, principal);
        CREATE INDEX IF NOT EXISTS api_keys_by_revocation ON api_keys(revoked_at);
        CREATE TABLE IF NOT EXISTS signing_keys(
            key_id TEXT PRIMARY KEY, private_key BLOB NOT NULL, created_at INTEGER NOT NULL, retires_at INTEGER);
        CREATE TABLE IF NOT EXISTS relations(
            tenant TEXT NOT NULL, object_type TEXT NOT NULL, object_id TEXT NOT NULL, relation TEXT NOT NULL,
            subject_type TEXT NOT NULL, subject_id TEXT NOT NULL, subject_relation TEXT NOT NULL, revision INTEGER NOT NULL,
            PRIMARY KEY(tenant, object_type, object_id, relation, subject_type, subject_id, subject_relation)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS relations_by_subject ON relations(tenant, subject_type, subject_id, relation);
        CREATE TABLE IF NOT EXISTS revisions(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT OR IGNORE INTO revisions(name, value) VALUES ('relations', 0);
        CREATE TABLE IF NOT EXISTS budgets(
            tenant TEXT NOT NULL, scope TEXT NOT NULL, cost_limit INTEGER, token_limit INTEGER, rpm INTEGER,
            period TEXT NOT NULL, period_start INTEGER NOT NULL,
            spent INTEGER NOT NULL DEFAULT 0, reserved INTEGER NOT NULL DEFAULT 0,
            tokens_used INTEGER NOT NULL DEFAULT 0, tokens_reserved INTEGER NOT NULL DEFAULT 0,
            window_start INTEGER NOT NULL DEFAULT 0, window_count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(tenant, scope)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS reservations(
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL, cost INTEGER NOT NULL,
            tokens INTEGER NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'open', closed_at INTEGER);
        CREATE INDEX IF NOT EXISTS reservations_by_age ON reservations(created_at);
        CREATE TABLE IF NOT EXISTS charged_events(
            event_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS charged_events_by_age ON charged_events(at);
        """;

    /// <summary>Reservations are kept once closed (settled or expired), with their state; databases made before that gain the columns.</summary>
    public const string HasReservationState = "SELECT COUNT(*) FROM pragma_table_info('reservations') WHERE name = 'state'";

    public const string AddReservationState = """
        ALTER TABLE reservations ADD COLUMN state TEXT NOT NULL DEFAULT 'open';
        ALTER TABLE reservations ADD COLUMN closed_at INTEGER;
        """;
}
