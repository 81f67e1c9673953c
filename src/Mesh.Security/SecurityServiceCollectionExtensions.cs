using Mesh.Identity.V1;
using Mesh.Security;
using Mesh.Security.Authentication;
using Mesh.Security.Authentication.ApiKeys;
using Mesh.Security.Authorization;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Authentication of every call (tokens checked locally against identity's cached key set,
    /// configured keys matched locally, Mesh API keys resolved through identity) and the
    /// enforcement point every service shares: access rules, the decision point chosen by
    /// <c>Mesh:Authorization:Mode</c>, its audit, and the caller's context on outgoing calls.
    /// </summary>
    public static IServiceCollection AddMeshSecurity(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMeshAuthentication();
        services.AddMeshAuthorization();
        services.AddOptions<ServiceCredentialOptions>().BindConfiguration(ServiceCredentialOptions.SectionName);
        services.TryAddSingleton<ServiceCredential>();
        services.TryAddSingleton<IServiceCredentials>(sp => sp.GetRequiredService<ServiceCredential>());
        services.AddMeshClient<Tokens.TokensClient>("identity");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutgoingCallEnricher, CallerPropagation>());
        return services;
    }

    /// <summary>Registers the rule of an RPC that always needs <paramref name="relation"/> on <c>resourceType:resource</c>.</summary>
    public static IServiceCollection AddFixedResourceRule<TRequest>(this IServiceCollection services, string method, string resourceType, string resource, string relation)
        where TRequest : class
    {
        ArgumentNullException.ThrowIfNull(services);
        // One rule per request type: each RPC has a request message of its own.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAccessRule>(new FixedResourceRule<TRequest>(method, resourceType, resource, relation)));
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

    private static void AddMeshAuthentication(this IServiceCollection services)
    {
        services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, BootstrapKeyValidator>());
        services.AddOptions<MeshAuthOptions>().BindConfiguration(MeshAuthOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton<ApiKeyAuthenticator>();
        services.TryAddSingleton<VerifiedTokens>(_ => new VerifiedTokens());
        services.TryAddSingleton<TokenValidator>();
        services.TryAddSingleton<IKeySetSource, IdentityKeySetSource>();
        services.TryAddSingleton<IRevocationSource, IdentityRevocationSource>();
        services.TryAddSingleton<IApiKeyResolver, IdentityApiKeyResolver>();
        services.TryAddSingleton<ICallerAuthenticator, MeshAuthenticator>();
        services.AddServerInterceptor<AuthenticationInterceptor>(ServerInterceptorStage.Authentication);
        services.TryAddSingleton<AuthenticationFailures>();
        services.AddHostedService(sp => sp.GetRequiredService<AuthenticationFailures>());
        services.AddMeshClient<KeySet.KeySetClient>("identity");
        services.AddMeshClient<global::Mesh.Identity.V1.Identity.IdentityClient>("identity");
    }

    private static void AddMeshAuthorization(this IServiceCollection services)
    {
        services.AddOptions<AuthorizationOptions>().BindConfiguration(AuthorizationOptions.SectionName);
        services.TryAddSingleton<AccessAudit>();
        services.TryAddSingleton<AccessGate>();
        services.TryAddSingleton<CredentialAccessDecider>();
        services.TryAddSingleton<IdentityAccessDecider>();
        services.TryAddSingleton<IAccessDecider>(sp => sp.GetRequiredService<IOptions<AuthorizationOptions>>().Value.Mode == AuthorizationMode.Credentials
            ? sp.GetRequiredService<CredentialAccessDecider>()
            : sp.GetRequiredService<IdentityAccessDecider>());
        services.AddServerInterceptor<AuthorizationInterceptor>(ServerInterceptorStage.Authorization);
        services.AddMeshClient<Permissions.PermissionsClient>("identity");
        services.AddMeshClient<Budgets.BudgetsClient>("identity");
    }
}
