namespace Mesh.Agents.Runs.Store.Postgres;

/// <summary>The shared run store's tables (as the SQLite ones; identifiers compare byte-wise).</summary>
internal static class PostgresSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS workflows(
            tenant text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, version integer NOT NULL, definition text NOT NULL, digest text NOT NULL,
            created_by text NOT NULL, created_at bigint NOT NULL, PRIMARY KEY(tenant, name, version));
        CREATE TABLE IF NOT EXISTS runs(
            id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, principal text NOT NULL, principal_kind text NOT NULL, is_admin boolean NOT NULL,
            tenant_header text NOT NULL, workflow text COLLATE "C" NOT NULL, version integer NOT NULL, pins text NOT NULL, status text NOT NULL,
            inputs text NOT NULL, client_request_id text COLLATE "C", request_digest text NOT NULL, parent_run_id text COLLATE "C" NOT NULL, parent_step text NOT NULL,
            parent_index integer NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL, deadline bigint NOT NULL,
            max_steps integer NOT NULL, last_seq integer NOT NULL, steps_done integer NOT NULL, cursor text NOT NULL,
            waiting_for text NOT NULL, wake_at bigint, cancel_requested boolean NOT NULL, cancel_reason text NOT NULL,
            credential text NOT NULL, output text, error_code text, error_message text, error_step text,
            lease_owner text NOT NULL, lease_expires bigint NOT NULL, fence bigint NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS runs_by_request ON runs(tenant, client_request_id) WHERE client_request_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS runs_by_tenant ON runs(tenant, id);
        CREATE INDEX IF NOT EXISTS runs_to_claim ON runs(status, wake_at) WHERE status IN ('pending', 'running', 'waiting');
        CREATE INDEX IF NOT EXISTS runs_by_parent ON runs(parent_run_id) WHERE parent_run_id <> '';
        CREATE TABLE IF NOT EXISTS run_events(
            run_id text COLLATE "C" NOT NULL, seq integer NOT NULL, at bigint NOT NULL, type text NOT NULL, step text NOT NULL, data text NOT NULL,
            PRIMARY KEY(run_id, seq));
        CREATE TABLE IF NOT EXISTS blobs(hash text COLLATE "C" PRIMARY KEY, content bytea NOT NULL);
        CREATE TABLE IF NOT EXISTS run_usage(
            id bigserial, event_id text COLLATE "C" PRIMARY KEY, run_id text NOT NULL, payload bytea NOT NULL, published_at bigint);
        CREATE INDEX IF NOT EXISTS run_usage_unpublished ON run_usage(id) WHERE published_at IS NULL;
        CREATE INDEX IF NOT EXISTS run_usage_by_published ON run_usage(published_at);
        """;
}
