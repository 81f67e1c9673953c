using Mesh.ServiceDefaults.Calls;

namespace Mesh.Identity.Principals;

public sealed record TenantRecord(string Id, string DisplayName, DateTimeOffset CreatedAt);

public sealed record PrincipalRecord(string TenantId, string Id, PrincipalKind Kind, string DisplayName, DateTimeOffset CreatedAt);

/// <summary>Tenants and their principals. SQLite by default; a shared database can fill it for replicas.</summary>
public interface IPrincipalStore
{
    /// <summary>Adds a tenant; false when one with that id exists.</summary>
    bool TryAddTenant(TenantRecord tenant);

    TenantRecord? FindTenant(string id);

    IReadOnlyList<TenantRecord> Tenants();

    /// <summary>Adds a principal; false when the tenant already has one with that id.</summary>
    bool TryAddPrincipal(PrincipalRecord principal);

    PrincipalRecord? FindPrincipal(string tenantId, string id);

    IReadOnlyList<PrincipalRecord> Principals(string tenantId, PrincipalKind? kind);
}
