using Mesh.Tools.Idempotency;
using Mesh.Tools.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Storage;

/// <summary>
/// Registers the tools database (<c>tools.db</c> in <c>Mesh:Tools:DataDirectory</c>) and the stores
/// kept in it; with <c>Mesh:Tools:Store=postgres</c> the idempotency records (and knowledge sets) go to PostgreSQL.
/// </summary>
internal static class ToolsStorage
{
    public static IServiceCollection AddToolsStores(this IServiceCollection services)
    {
        services.AddOptions<ToolsStorageOptions>().BindConfiguration(ToolsStorageOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration.GetConnectionString(ToolsStorageOptions.ConnectionStringName))
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.SectionName)
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton(Open);
        services.TryAddSingleton(OpenPostgres);
        services.TryAddSingleton(OpenIdempotencyStore);
        services.TryAddSingleton<IdempotentCalls>();
        services.AddHostedService<IdempotencySweeper>();
        return services;
    }

    private static ToolsDatabase Open(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ToolsStorageOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        return new ToolsDatabase(Path.Combine(options.FullPath(environment), "tools.db"));
    }

    private static ToolsPostgres OpenPostgres(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ToolsStorageOptions>>().Value;
        return options.UsesPostgres
            ? new ToolsPostgres(options.ConnectionString!)
            : throw new InvalidOperationException($"{ToolsStorageOptions.SectionName}:Store is not {ToolsStorageOptions.Postgres}");
    }

    private static IIdempotencyStore OpenIdempotencyStore(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ToolsStorageOptions>>().Value.UsesPostgres
            ? new PostgresIdempotencyStore(services.GetRequiredService<ToolsPostgres>())
            : new SqliteIdempotencyStore(services.GetRequiredService<ToolsDatabase>());
}
