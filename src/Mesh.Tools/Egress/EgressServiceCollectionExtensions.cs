using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools.Egress;

public static class EgressServiceCollectionExtensions
{
    /// <summary>Tenants' HTTP allow-lists (SetHttpAllowList needs the tenant's admin).</summary>
    public static IServiceCollection AddEgress(this IServiceCollection services)
    {
        services.TryAddSingleton<AllowListStore>();
        services.TryAddSingleton<HttpAllowLists>();
        services.AddTenantAdminRule<HttpAllowList>("/mesh.tools.v1.Tools/SetHttpAllowList");
        return services;
    }
}
