using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Authorization;

public static class AuthorizationServiceCollectionExtensions
{
    /// <summary>
    /// The enforcement point every service shares: the access gate, its audit and the decision
    /// point chosen by <c>Mesh:Authorization:Mode</c> (identity's relations and budgets, or the
    /// credential alone).
    /// </summary>
    public static IServiceCollection AddMeshAuthorization(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<AuthorizationOptions>().BindConfiguration(AuthorizationOptions.SectionName);
        services.TryAddSingleton<ServiceCredential>();
        services.TryAddSingleton<AccessAudit>();
        services.TryAddSingleton<AccessGate>();
        services.TryAddSingleton<CredentialAccessDecider>();
        services.TryAddSingleton<IdentityAccessDecider>();
        services.TryAddSingleton<IAccessDecider>(sp => sp.GetRequiredService<IOptions<AuthorizationOptions>>().Value.Mode == AuthorizationMode.Credentials
            ? sp.GetRequiredService<CredentialAccessDecider>()
            : sp.GetRequiredService<IdentityAccessDecider>());
        services.AddMeshClient<Permissions.PermissionsClient>("identity");
        services.AddMeshClient<Budgets.BudgetsClient>("identity");
        return services;
    }

    /// <summary>Registers the access rule of one RPC.</summary>
    public static IServiceCollection AddAccessRule<TRule>(this IServiceCollection services)
        where TRule : class, IAccessRule
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccessRule, TRule>());
        return services;
    }
}
