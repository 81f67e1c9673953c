using Mesh.Identity.Principals;
using Mesh.ServiceDefaults.Calls;
using Npgsql;

namespace Mesh.Identity.Storage.Postgres;

public sealed class PostgresPrincipalStore(PostgresDatabase database) : IPrincipalStore
{
    private const string PrincipalColumns = "tenant, id, kind, display_name, created_at";

    public bool TryAddTenant(TenantRecord tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return database.Execute("INSERT INTO tenants(id, display_name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            tenant.Id, tenant.DisplayName, tenant.CreatedAt.ToUnixTimeMilliseconds()) == 1;
    }

    public TenantRecord? FindTenant(string id) =>
        database.Query("SELECT id, display_name, created_at FROM tenants WHERE id = $1", ReadTenant, id).FirstOrDefault();

    public IReadOnlyList<TenantRecord> Tenants() => database.Query("SELECT id, display_name, created_at FROM tenants ORDER BY id", ReadTenant);

    public bool TryAddPrincipal(PrincipalRecord principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return database.Execute($"INSERT INTO principals({PrincipalColumns}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            principal.TenantId, principal.Id, Caller.KindName(principal.Kind), principal.DisplayName, principal.CreatedAt.ToUnixTimeMilliseconds()) == 1;
    }

    public PrincipalRecord? FindPrincipal(string tenantId, string id) =>
        database.Query($"SELECT {PrincipalColumns} FROM principals WHERE tenant = $1 AND id = $2", ReadPrincipal, tenantId, id).FirstOrDefault();

    public IReadOnlyList<PrincipalRecord> Principals(string tenantId, PrincipalKind? kind) => kind is { } k
        ? database.Query($"SELECT {PrincipalColumns} FROM principals WHERE tenant = $1 AND kind = $2 ORDER BY id", ReadPrincipal, tenantId, Caller.KindName(k))
        : database.Query($"SELECT {PrincipalColumns} FROM principals WHERE tenant = $1 ORDER BY id", ReadPrincipal, tenantId);

    private static TenantRecord ReadTenant(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));

    private static PrincipalRecord ReadPrincipal(NpgsqlDataReader reader)
    {
        _ = Caller.TryParseKind(reader.GetString(2), out var kind);
        return new PrincipalRecord(reader.GetString(0), reader.GetString(1), kind, reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
    }
}
