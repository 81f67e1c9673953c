using Mesh.ServiceDefaults.Usage;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the price catalog, the embedded DuckDB usage store and ingestion. Telemetry's own
    /// usage is written straight to the store instead of being shipped to itself over gRPC.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPriceCatalog();
        services.AddOptions<TelemetryStorageOptions>().BindConfiguration(TelemetryStorageOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DuckDbPath), $"{TelemetryStorageOptions.SectionName}:DuckDbPath must name a file")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(OpenStore);
        services.TryAddSingleton<IUsageStore>(sp => sp.GetRequiredService<DuckDbUsageStore>());
        services.AddHostedService<UsageStoreInitializer>();
        services.TryAddSingleton<UsageEventConverter>();
        services.TryAddSingleton<UsageIngestor>();
        services.RemoveAll<IUsageSink>();
        services.AddSingleton<IUsageSink, LocalUsageSink>();
        return services;
    }

    private static DuckDbUsageStore OpenStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<TelemetryStorageOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        return new DuckDbUsageStore(Path.Combine(environment.ContentRootPath, options.DuckDbPath));
    }
}
