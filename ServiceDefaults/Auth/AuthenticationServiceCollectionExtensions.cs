using Mesh.Identity.V1;
using Mesh.ServiceDefaults.Auth.ApiKeys;
using Mesh.ServiceDefaults.Auth.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Auth;

public static class AuthenticationServiceCollectionExtensions
{
    /// <summary>
    /// Tokens checked locally against identity's cached key set, configured keys matched
    /// locally, Mesh API keys resolved through identity (briefly cached).
    /// </summary>
    public static IServiceCollection AddMeshAuthentication(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, BootstrapKeyValidator>());
        services.AddOptions<MeshAuthOptions>().BindConfiguration(MeshAuthOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {MeshAuthOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton<ServiceCredential>();
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<VerifiedTokens>(_ => new VerifiedTokens());
        services.TryAddSingleton<TokenValidator>();
        services.TryAddSingleton<IKeySetSource, IdentityKeySetSource>();
        services.TryAddSingleton<IApiKeyResolver, IdentityApiKeyResolver>();
        services.TryAddSingleton<ICallerAuthenticator, MeshAuthenticator>();
        services.AddMeshClient<KeySet.KeySetClient>("identity");
        services.AddMeshClient<Identity.V1.Identity.IdentityClient>("identity");
        return services;
    }
}
