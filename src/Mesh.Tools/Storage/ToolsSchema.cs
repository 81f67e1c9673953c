namespace Mesh.Tools.Storage;

/// <summary>The tools database's tables. Times are Unix milliseconds.</summary>
internal static class ToolsSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS idempotency(
            tenant TEXT NOT NULL, key TEXT NOT NULL, fingerprint BLOB NOT NULL, tool TEXT NOT NULL,
            claim_id TEXT NOT NULL, claimed_until INTEGER NOT NULL,
            status INTEGER, detail TEXT, field TEXT, response BLOB, completed_at INTEGER,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY(tenant, key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idempotency_by_expiry ON idempotency(expires_at);
        CREATE TABLE IF NOT EXISTS tenant_tools(
            tenant TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, runtime TEXT NOT NULL,
            definition TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
            PRIMARY KEY(tenant, name, version)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS http_allow_lists(
            tenant TEXT PRIMARY KEY, hosts TEXT NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS mcp_servers(
            tenant TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, tools TEXT NOT NULL,
            created_by TEXT NOT NULL, created_at INTEGER NOT NULL, refreshed_at INTEGER NOT NULL,
            PRIMARY KEY(tenant, name)) WITHOUT ROWID;
        """;
}
