using Mesh.Tools.Idempotency;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Storage;

/// <summary>Registers the tools database (<c>tools.db</c> in <c>Mesh:Tools:DataDirectory</c>) and the stores kept in it.</summary>
internal static class ToolsStorage
{
    public static IServiceCollection AddToolsStores(this IServiceCollection services)
    {
        services.AddOptions<ToolsStorageOptions>().BindConfiguration(ToolsStorageOptions.SectionName)
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.SectionName)
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton(Open);
        services.TryAddSingleton<IIdempotencyStore, SqliteIdempotencyStore>();
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
}
