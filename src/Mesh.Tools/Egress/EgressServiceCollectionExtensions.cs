using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools.Egress;

public static class EgressServiceCollectionExtensions
{
    /// <summary>Tenants' HTTP allow-lists (SetHttpAllowList needs the tenant's admin), the built-in http tool and registered HTTP tools.</summary>
    public static IServiceCollection AddEgress(this IServiceCollection services)
    {
        services.TryAddSingleton<AllowListStore>();
        services.TryAddSingleton<HttpAllowLists>();
        services.AddTenantAdminRule<HttpAllowList>("/mesh.tools.v1.Tools/SetHttpAllowList");
        services.TryAddSingleton<Http.HttpCaller>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Registry.ITool, Http.HttpTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Runtimes.IToolRuntime, Http.HttpToolRuntime>());
        return services;
    }
}
