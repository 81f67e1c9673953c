using Mesh.Identity.ApiKeys;
using Mesh.Identity.Budgets;
using Mesh.Identity.Principals;
using Mesh.Identity.Relations;
using Mesh.Identity.Storage.Postgres;
using Mesh.Identity.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Identity.Storage;

/// <summary>
/// Registers identity's stores on the database <c>Mesh:Identity:Store</c> names: SQLite (one
/// process) or PostgreSQL (<c>ConnectionStrings:identity-db</c>, shared by replicas). The choice
/// is made when the stores are first resolved, from the validated options.
/// </summary>
internal static class IdentityStorage
{
    public static IServiceCollection AddIdentityStores(this IServiceCollection services)
    {
        services.AddOptions<IdentityStorageOptions>().BindConfiguration(IdentityStorageOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration.GetConnectionString(IdentityStorageOptions.ConnectionStringName))
            .ValidateProblems(o => o.Problems())
            .ValidateOnStart();
        services.TryAddSingleton(OpenSqlite);
        services.TryAddSingleton(OpenPostgres);
        services.TryAddSingleton(Pick<IPrincipalStore, SqlitePrincipalStore, PostgresPrincipalStore>);
        services.TryAddSingleton(Pick<IApiKeyStore, SqliteApiKeyStore, PostgresApiKeyStore>);
        services.TryAddSingleton(Pick<ISigningKeyStore, SqliteSigningKeyStore, PostgresSigningKeyStore>);
        services.TryAddSingleton(Pick<IRelationStore, SqliteRelationStore, PostgresRelationStore>);
        services.TryAddSingleton(Pick<IBudgetStore, SqliteBudgetStore, PostgresBudgetStore>);
        services.AddHealthChecks().AddCheck<IdentityDatabaseHealthCheck>("identity-db");
        return services;
    }

    private static TStore Pick<TStore, TSqlite, TPostgres>(IServiceProvider services)
        where TStore : notnull
        where TSqlite : TStore
        where TPostgres : TStore =>
        services.GetRequiredService<IOptions<IdentityStorageOptions>>().Value.UsesPostgres
            ? ActivatorUtilities.CreateInstance<TPostgres>(services)
            : ActivatorUtilities.CreateInstance<TSqlite>(services);

    private static IdentityDatabase OpenSqlite(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<IdentityStorageOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        return new IdentityDatabase(Path.Combine(environment.ContentRootPath, options.DatabasePath));
    }

    private static PostgresDatabase OpenPostgres(IServiceProvider services) =>
        new(services.GetRequiredService<IOptions<IdentityStorageOptions>>().Value.ConnectionString!);
}
