using Mesh.Identity.Access;
using Mesh.Identity.ApiKeys;
using Mesh.Identity.Budgets;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;
using Mesh.Identity.Tokens;
using Mesh.Security.Authentication.ApiKeys;
using Mesh.Security.Authorization;
using Mesh.Security.Tokens;
using Mesh.ServiceDefaults;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Identity;

public static class IdentityServiceExtensions
{
    /// <summary>
    /// The identity service's stores (SQLite, or PostgreSQL shared by replicas), token issuing
    /// and key ring, service keys, relations engine and budgets (priced with telemetry's price
    /// list). Identity checks API keys, tokens and permissions itself instead of asking
    /// identity over gRPC: its own implementations replace those of the security library,
    /// whether this runs before or after <c>AddMeshService</c>.
    /// </summary>
    public static IHostApplicationBuilder AddIdentity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        var distributed = MeshMode.IsDistributed(builder.Configuration[MeshMode.Key]);
        services.AddOptions<ServiceKeyOptions>().BindConfiguration(ServiceKeyOptions.SectionName).ValidateProblems(o => o.Problems(distributed)).ValidateOnStart();
        services.AddOptions<PriceListOptions>().BindConfiguration(PriceListOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddIdentityStores();

        services.TryAddSingleton<SigningKeyProtector>();
        services.TryAddSingleton<SigningKeyRing>();
        services.AddHostedService<SigningKeyCheck>();
        services.Replace(ServiceDescriptor.Singleton<IKeySetSource>(sp => sp.GetRequiredService<SigningKeyRing>()));
        services.TryAddSingleton<TokenIssuer>();
        services.TryAddSingleton<ServiceKeys>();
        services.TryAddSingleton<MintSources>();
        services.TryAddSingleton<StoreRevocationSource>();
        services.Replace(ServiceDescriptor.Singleton<IRevocationSource>(sp => sp.GetRequiredService<StoreRevocationSource>()));
        services.Replace(ServiceDescriptor.Singleton<IServiceCredentials, IdentityServiceCredential>());
        services.TryAddSingleton<ApiKeyVerifier>();
        services.Replace(ServiceDescriptor.Singleton<IApiKeyResolver>(sp => sp.GetRequiredService<ApiKeyVerifier>()));
        services.TryAddSingleton<ApiKeyIssuer>();
        services.TryAddSingleton<CheckCache>();
        services.TryAddSingleton<PermissionEngine>();
        services.TryAddSingleton<Requester>();
        services.TryAddSingleton<DecisionPoint>();
        services.TryAddSingleton<IPriceListSource, TelemetryPriceListSource>();
        services.TryAddSingleton<ReservationPricer>();
        services.AddMeshClient<Prices.PricesClient>("telemetry");
        services.Replace(ServiceDescriptor.Singleton<IAccessDecider, LocalAccessDecider>());
        services.AddHostedService<ReservationSweeper>();
        return builder;
    }

}
