using Mesh.Identity.Storage;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Principals;

public sealed class SqlitePrincipalStore(IdentityDatabase database) : IPrincipalStore
{
    public bool TryAddTenant(TenantRecord tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            "INSERT OR IGNORE INTO tenants(id, display_name, created_at) VALUES ($id, $name, $at)", null,
            ("$id", tenant.Id), ("$name", tenant.DisplayName), ("$at", tenant.CreatedAt.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery() == 1;
    }

    public TenantRecord? FindTenant(string id) => ReadTenants("SELECT id, display_name, created_at FROM tenants WHERE id = $id", ("$id", id)).FirstOrDefault();

    public IReadOnlyList<TenantRecord> Tenants() => ReadTenants("SELECT id, display_name, created_at FROM tenants ORDER BY id");

    public bool TryAddPrincipal(PrincipalRecord principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        using var connection = database.Open();
        using var command = IdentityDatabase.Command(connection,
            "INSERT OR IGNORE INTO principals(tenant, id, kind, display_name, created_at) VALUES ($tenant, $id, $kind, $name, $at)", null,
            ("$tenant", principal.TenantId), ("$id", principal.Id), ("$kind", Caller.KindName(principal.Kind)),
            ("$name", principal.DisplayName), ("$at", principal.CreatedAt.ToUnixTimeMilliseconds()));
        return command.ExecuteNonQuery() == 1;
    }

    public PrincipalRecord? FindPrincipal(string tenantId, string id) =>
        ReadPrincipals("SELECT tenant, id, kind, display_name, created_at FROM principals WHERE tenant = $tenant AND id = $id",
            ("$tenant", tenantId), ("$id", id)).FirstOrDefault();

    public IReadOnlyList<PrincipalRecord> Principals(string tenantId, PrincipalKind? kind) => kind is { } k
        ? ReadPrincipals("SELECT tenant, id, kind, display_name, created_at FROM principals WHERE tenant = $tenant AND kind = $kind ORDER BY id",
            ("$tenant", tenantId), ("$kind", Caller.KindName(k)))
        : ReadPrincipals("SELECT tenant, id, kind, display_name, created_at FROM principals WHERE tenant = $tenant ORDER BY id", ("$tenant", tenantId));

    private List<TenantRecord> ReadTenants(string sql, params ReadOnlySpan<(string, object?)> parameters)
    {
        using var snapshot = database.Read();
        using var reader = snapshot.Command(sql, parameters).ExecuteReader();
        var tenants = new List<TenantRecord>();
        while (reader.Read())
        {
            tenants.Add(new TenantRecord(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return tenants;
    }

    private List<PrincipalRecord> ReadPrincipals(string sql, params ReadOnlySpan<(string, object?)> parameters)
    {
        using var snapshot = database.Read();
        using var reader = snapshot.Command(sql, parameters).ExecuteReader();
        var principals = new List<PrincipalRecord>();
        while (reader.Read())
        {
            _ = Caller.TryParseKind(reader.GetString(2), out var kind);
            principals.Add(new PrincipalRecord(reader.GetString(0), reader.GetString(1), kind, reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return principals;
    }
}
