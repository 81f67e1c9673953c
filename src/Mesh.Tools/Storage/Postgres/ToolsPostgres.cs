using Npgsql;

namespace Mesh.Tools.Storage.Postgres;

/// <summary>
/// The PostgreSQL database tools replicas share (<c>Mesh:Tools:Store=postgres</c>: idempotency
/// records and knowledge sets): a pooled data source, its tables created under an advisory lock so
/// replicas starting together do not race.
/// Times are Unix milliseconds, identifiers compare byte-wise, as in the SQLite database.
/// </summary>
public sealed class ToolsPostgres : IAsyncDisposable, IDisposable
{
    private const long MigrationLock = 0x6d65_7368_746f_01;   // "meshto" 1

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS tool_idempotency(
            tenant text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, fingerprint bytea NOT NULL, tool text NOT NULL,
            claim_id text COLLATE "C" NOT NULL, claimed_until bigint NOT NULL,
            status integer, detail text, field text, response bytea, completed_at bigint,
            expires_at bigint NOT NULL,
            PRIMARY KEY(tenant, key));
        CREATE INDEX IF NOT EXISTS tool_idempotency_by_expiry ON tool_idempotency(expires_at);
        CREATE TABLE IF NOT EXISTS tool_knowledge_sets(
            tenant text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, description text NOT NULL, model text NOT NULL,
            dimensions integer NOT NULL, created_at bigint NOT NULL,
            PRIMARY KEY(tenant, name));
        CREATE TABLE IF NOT EXISTS tool_knowledge_documents(
            tenant text COLLATE "C" NOT NULL, set_name text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, title text NOT NULL,
            source text NOT NULL, text text NOT NULL, added_at bigint NOT NULL,
            PRIMARY KEY(tenant, set_name, id));
        CREATE TABLE IF NOT EXISTS tool_knowledge_chunks(
            tenant text COLLATE "C" NOT NULL, set_name text COLLATE "C" NOT NULL, document_id text COLLATE "C" NOT NULL, chunk integer NOT NULL,
            text text NOT NULL, embedding real[] NOT NULL,
            PRIMARY KEY(tenant, set_name, document_id, chunk));
        """;

    public ToolsPostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
        {
            // The same few statements on every call: prepared once per connection.
            settings.MaxAutoPrepare = 32;
            settings.AutoPrepareMinUsages = 2;
        }

        settings.NoResetOnClose = true;
        Source = NpgsqlDataSource.Create(settings);
        using var connection = Source.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction) { Parameters = { new() { Value = MigrationLock } } })
        {
            lockCommand.ExecuteNonQuery();
        }

        using (var create = new NpgsqlCommand(Schema, connection, transaction))
        {
            create.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public NpgsqlDataSource Source { get; }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] values)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    public void Dispose() => Source.Dispose();

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
