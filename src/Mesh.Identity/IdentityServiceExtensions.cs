using Mesh.Identity.Access;
using Mesh.Identity.ApiKeys;
using Mesh.Identity.Budgets;
using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage;
using Mesh.Identity.Tokens;
using Mesh.Security.Authentication.ApiKeys;
using Mesh.Security.Authorization;
using Mesh.Security.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Identity;

public static class IdentityServiceExtensions
{
    /// <summary>
    /// The identity service's stores (SQLite), token issuing and key ring, relations engine
    /// and budgets. Identity checks API keys, tokens and permissions itself instead of asking
    /// identity over gRPC: its own implementations replace those of the security library,
    /// whether this runs before or after <c>AddMeshService</c>.
    /// </summary>
    public static IHostApplicationBuilder AddIdentity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<IdentityStorageOptions>().BindConfiguration(IdentityStorageOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DatabasePath), $"{IdentityStorageOptions.SectionName}:DatabasePath must name a file")
            .ValidateOnStart();
        services.AddOptions<TokenOptions>().BindConfiguration(TokenOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {TokenOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(OpenDatabase);
        services.TryAddSingleton<IPrincipalStore, SqlitePrincipalStore>();
        services.TryAddSingleton<IApiKeyStore, SqliteApiKeyStore>();
        services.TryAddSingleton<ISigningKeyStore, SqliteSigningKeyStore>();
        services.TryAddSingleton<IRelationStore, SqliteRelationStore>();
        services.TryAddSingleton<IBudgetStore, SqliteBudgetStore>();

        services.TryAddSingleton<SigningKeyProtector>();
        services.TryAddSingleton<SigningKeyRing>();
        services.AddHostedService<SigningKeyCheck>();
        services.Replace(ServiceDescriptor.Singleton<IKeySetSource>(sp => sp.GetRequiredService<SigningKeyRing>()));
        services.TryAddSingleton<TokenIssuer>();
        services.TryAddSingleton<ApiKeyVerifier>();
        services.Replace(ServiceDescriptor.Singleton<IApiKeyResolver>(sp => sp.GetRequiredService<ApiKeyVerifier>()));
        services.TryAddSingleton<ApiKeyIssuer>();
        services.TryAddSingleton<PermissionEngine>();
        services.TryAddSingleton<Requester>();
        services.TryAddSingleton<DecisionPoint>();
        services.Replace(ServiceDescriptor.Singleton<IAccessDecider, LocalAccessDecider>());
        services.AddHostedService<ReservationSweeper>();
        return builder;
    }

    private static IdentityDatabase OpenDatabase(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<IdentityStorageOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        return new IdentityDatabase(Path.Combine(environment.ContentRootPath, options.DatabasePath));
    }
}
