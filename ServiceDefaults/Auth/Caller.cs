namespace Mesh.ServiceDefaults.Auth;

/// <summary>The kind of principal behind a call.</summary>
public enum PrincipalKind
{
    User,
    Agent,
    Service,
}

/// <summary>Who a call is made by, as the authenticator established it.</summary>
/// <param name="PrincipalId">The user, agent or service.</param>
/// <param name="TenantId">The tenant the call acts in.</param>
/// <param name="Kind">What kind of principal it is.</param>
/// <param name="IsAdmin">Admins may act in any tenant and publish usage for others.</param>
public sealed record Caller(string PrincipalId, string TenantId, PrincipalKind Kind, bool IsAdmin)
{
    /// <summary>May this caller see or act on data of <paramref name="tenantId"/>?</summary>
    public bool CanAccessTenant(string tenantId) => IsAdmin || string.Equals(TenantId, tenantId, StringComparison.Ordinal);
}
