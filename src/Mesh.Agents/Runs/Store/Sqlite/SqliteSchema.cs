namespace Mesh.Agents.Runs.Store.Sqlite;

/// <summary>The embedded run store's tables. Times are Unix milliseconds; run ids are UUIDv7, so they sort by start.</summary>
internal static class SqliteSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS workflows(
            tenant TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, definition TEXT NOT NULL, digest TEXT NOT NULL,
            created_by TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(tenant, name, version));
        CREATE TABLE IF NOT EXISTS runs(
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, principal TEXT NOT NULL, principal_kind TEXT NOT NULL, is_admin INTEGER NOT NULL,
            tenant_header TEXT NOT NULL, workflow TEXT NOT NULL, version INTEGER NOT NULL, pins TEXT NOT NULL, status TEXT NOT NULL,
            inputs TEXT NOT NULL, client_request_id TEXT, request_digest TEXT NOT NULL, parent_run_id TEXT NOT NULL, parent_step TEXT NOT NULL,
            parent_index INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deadline INTEGER NOT NULL,
            max_steps INTEGER NOT NULL, last_seq INTEGER NOT NULL, steps_done INTEGER NOT NULL, cursor TEXT NOT NULL,
            waiting_for TEXT NOT NULL, wake_at INTEGER, cancel_requested INTEGER NOT NULL, cancel_reason TEXT NOT NULL,
            credential TEXT NOT NULL, output TEXT, error_code TEXT, error_message TEXT, error_step TEXT,
            lease_owner TEXT NOT NULL, lease_expires INTEGER NOT NULL, fence INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS runs_by_request ON runs(tenant, client_request_id) WHERE client_request_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS runs_by_tenant ON runs(tenant, id);
        CREATE INDEX IF NOT EXISTS runs_to_claim ON runs(status, wake_at) WHERE status IN ('pending', 'running', 'waiting');
        CREATE INDEX IF NOT EXISTS runs_by_parent ON runs(parent_run_id) WHERE parent_run_id <> '';
        CREATE TABLE IF NOT EXISTS run_events(
            run_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, type TEXT NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL,
            PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS blobs(hash TEXT PRIMARY KEY, content BLOB NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS run_usage(event_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, payload BLOB NOT NULL, published_at INTEGER);
        CREATE INDEX IF NOT EXISTS run_usage_by_published ON run_usage(published_at);
        """;
}
