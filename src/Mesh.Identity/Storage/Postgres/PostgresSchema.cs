namespace Mesh.Identity.Storage.Postgres;

/// <summary>
/// Identity's tables in PostgreSQL, as numbered migrations. Replicas may start at the same
/// moment: each migrates inside one transaction holding a transaction-level advisory lock, so
/// one applies what is missing and the others then find it done. Times are Unix milliseconds and
/// money integer nano-dollars, as in the SQLite schema; identifiers compare byte-wise
/// (<c>COLLATE "C"</c>) whatever the database's locale.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The advisory lock key of identity's migrations (any fixed number other users of the database do not take).</summary>
    private const long MigrationLock = 0x6d65_7368_6964_01;

    private static readonly string[][] Migrations =
    [
        [
        """
        CREATE TABLE tenants(
            id text COLLATE "C" PRIMARY KEY, display_name text NOT NULL, created_at bigint NOT NULL);
        CREATE TABLE principals(
            tenant text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, kind text NOT NULL, display_name text NOT NULL,
            created_at bigint NOT NULL, PRIMARY KEY(tenant, id));
        CREATE TABLE api_keys(
            key_id text COLLATE "C" PRIMARY KEY, digest bytea NOT NULL, tenant text COLLATE "C" NOT NULL, principal text COLLATE "C" NOT NULL,
            name text NOT NULL, scope text NOT NULL, created_at bigint NOT NULL, expires_at bigint, revoked_at bigint);
        CREATE INDEX api_keys_by_principal ON api_keys(tenant, principal);
        CREATE TABLE signing_keys(
            key_id text COLLATE "C" PRIMARY KEY, private_key bytea NOT NULL, created_at bigint NOT NULL, retires_at bigint);
        -- At most one current (never retiring) signing key, whatever replicas do at once.
        CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys((true)) WHERE retires_at IS NULL;
        CREATE TABLE relations(
            tenant text COLLATE "C" NOT NULL, object_type text COLLATE "C" NOT NULL, object_id text COLLATE "C" NOT NULL,
            relation text COLLATE "C" NOT NULL, subject_type text COLLATE "C" NOT NULL, subject_id text COLLATE "C" NOT NULL,
            subject_relation text COLLATE "C" NOT NULL, revision bigint NOT NULL,
            PRIMARY KEY(tenant, object_type, object_id, relation, subject_type, subject_id, subject_relation));
        CREATE INDEX relations_by_subject ON relations(tenant, subject_type, subject_id, relation);
        CREATE TABLE revisions(name text PRIMARY KEY, value bigint NOT NULL);
        INSERT INTO revisions(name, value) VALUES ('relations', 0);
        CREATE TABLE budgets(
            tenant text COLLATE "C" NOT NULL, scope text COLLATE "C" NOT NULL, cost_limit bigint, token_limit bigint, rpm integer,
            period text NOT NULL, period_start bigint NOT NULL,
            spent bigint NOT NULL DEFAULT 0, reserved bigint NOT NULL DEFAULT 0,
            tokens_used bigint NOT NULL DEFAULT 0, tokens_reserved bigint NOT NULL DEFAULT 0,
            window_start bigint NOT NULL DEFAULT 0, window_count integer NOT NULL DEFAULT 0,
            PRIMARY KEY(tenant, scope));
        CREATE TABLE reservations(
            id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, scopes text[] COLLATE "C" NOT NULL,
            cost bigint NOT NULL, tokens bigint NOT NULL, created_at bigint NOT NULL,
            state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'settled', 'expired')), closed_at bigint);
        CREATE INDEX reservations_open_by_age ON reservations(created_at) WHERE state = 'open';
        CREATE INDEX reservations_closed_by_age ON reservations(closed_at) WHERE state <> 'open';
        """,
        PostgresBudgetFunctions.Reserve,
        PostgresBudgetFunctions.Settle,
        PostgresBudgetFunctions.Expire,
        ],
        [
        """
        CREATE TABLE charged_events(
            event_id text COLLATE "C" PRIMARY KEY, tenant text COLLATE "C" NOT NULL, at bigint NOT NULL);
        CREATE INDEX charged_events_by_age ON charged_events(at);
        CREATE INDEX api_keys_by_revocation ON api_keys(revoked_at) WHERE revoked_at IS NOT NULL;
        """,
        ],
    ];

    /// <summary>The schema version this code expects.</summary>
    public static int Version => Migrations.Length;

    public static void Migrate(PostgresDatabase database) => database.Write((connection, transaction) =>
    {
        using (var lockCommand = PostgresDatabase.Command(connection, transaction, "SELECT pg_advisory_xact_lock($1)", MigrationLock))
        {
            lockCommand.ExecuteNonQuery();
        }

        using (var create = PostgresDatabase.Command(connection, transaction, "CREATE TABLE IF NOT EXISTS identity_schema(version integer NOT NULL)"))
        {
            create.ExecuteNonQuery();
        }

        var applied = PostgresDatabase.Query(connection, transaction, "SELECT coalesce(max(version), 0) FROM identity_schema", r => r.GetInt32(0)).Single();
        if (applied > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"the identity database is at schema version {applied}, newer than this identity ({Migrations.Length}): run the newer identity, or a database of its own");
        }

        for (var version = applied + 1; version <= Migrations.Length; version++)
        {
            // Statement by statement: function bodies hold semicolons of their own.
            foreach (var statement in Migrations[version - 1])
            {
                using var migrate = PostgresDatabase.Command(connection, transaction, statement);
                migrate.ExecuteNonQuery();
            }

            using var record = PostgresDatabase.Command(connection, transaction, "INSERT INTO identity_schema(version) VALUES ($1)", version);
            record.ExecuteNonQuery();
        }

        return applied;
    });
}
