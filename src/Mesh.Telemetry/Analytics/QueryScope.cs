using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;

namespace Mesh.Telemetry.Analytics;

/// <summary>Which tenant a query reads: admins any (or all), everyone else their own.</summary>
public static class QueryScope
{
    /// <summary>
    /// The tenant to filter on: for admins the one the query names, else the one they act in
    /// (<c>x-mesh-tenant</c>, e.g. <c>mesh --tenant</c>), else null (every tenant).
    /// </summary>
    public static string? Tenant(string requested, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        requested ??= "";
        if (caller.IsAdmin)
        {
            return requested.Length > 0 ? requested
                : CallScope.Current?.TenantHeader is { Length: > 0 } acting ? acting
                : null;
        }

        // The same answer whether or not the other tenant exists.
        if (requested.Length > 0 && !caller.CanAccessTenant(requested))
        {
            throw MeshErrors.PermissionDenied(
                $"you may only query usage of your own tenant '{caller.TenantId}'; leave tenant_id empty or set it to '{caller.TenantId}'");
        }

        return caller.TenantId;
    }
}
