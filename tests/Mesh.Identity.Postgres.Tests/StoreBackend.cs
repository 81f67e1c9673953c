using Mesh.Identity.ApiKeys;
using Mesh.Identity.Budgets;
using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;
using Mesh.Identity.Storage.Postgres;
using Mesh.Identity.Tokens;
using Microsoft.Data.Sqlite;

namespace Mesh.Identity.Postgres.Tests;

/// <summary>The five identity stores on one database, as a contract test sees them.</summary>
public abstract class StoreBackend : IDisposable
{
    public abstract IPrincipalStore Principals { get; }

    public abstract IApiKeyStore ApiKeys { get; }

    public abstract ISigningKeyStore SigningKeys { get; }

    public abstract IRelationStore Relations { get; }

    public abstract IBudgetStore Budgets { get; }

    /// <summary>Stores on the same database, as another process (replica) would open them.</summary>
    public abstract StoreBackend OpenAgain();

    public abstract void Dispose();
}

public sealed class SqliteBackend : StoreBackend
{
    private readonly string _path;
    private readonly bool _ownsFile;
    private readonly IdentityDatabase _database;

    public SqliteBackend(TimeProvider time, string? path = null)
    {
        _ownsFile = path is null;
        _path = path ?? Path.Combine(Path.GetTempPath(), $"mesh-identity-contract-{Guid.NewGuid():N}.db");
        Time = time;
        _database = new IdentityDatabase(_path);
        Principals = new SqlitePrincipalStore(_database);
        ApiKeys = new SqliteApiKeyStore(_database);
        SigningKeys = new SqliteSigningKeyStore(_database);
        Relations = new SqliteRelationStore(_database);
        Budgets = new SqliteBudgetStore(_database, time);
    }

    private TimeProvider Time { get; }

    public override IPrincipalStore Principals { get; }

    public override IApiKeyStore ApiKeys { get; }

    public override ISigningKeyStore SigningKeys { get; }

    public override IRelationStore Relations { get; }

    public override IBudgetStore Budgets { get; }

    public override StoreBackend OpenAgain() => new SqliteBackend(Time, _path);

    public override void Dispose()
    {
        _database.Dispose();
        if (!_ownsFile)
        {
            return;
        }

        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}

public sealed class PostgresBackend : StoreBackend
{
    private readonly PostgresDatabase _database;
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public PostgresBackend(string connectionString, TimeProvider time)
    {
        _connectionString = connectionString;
        _time = time;
        _database = new PostgresDatabase(connectionString);
        Principals = new PostgresPrincipalStore(_database);
        ApiKeys = new PostgresApiKeyStore(_database);
        SigningKeys = new PostgresSigningKeyStore(_database);
        Relations = new PostgresRelationStore(_database);
        Budgets = new PostgresBudgetStore(_database, time);
    }

    public override IPrincipalStore Principals { get; }

    public override IApiKeyStore ApiKeys { get; }

    public override ISigningKeyStore SigningKeys { get; }

    public override IRelationStore Relations { get; }

    public override IBudgetStore Budgets { get; }

    public override StoreBackend OpenAgain() => new PostgresBackend(_connectionString, _time);

    public override void Dispose() => _database.Dispose();
}
