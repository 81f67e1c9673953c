using ClickHouse.Driver;
using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Alerts;
using Mesh.Telemetry.Analytics.Forecasting;
using Mesh.Telemetry.Analytics.Ledger;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Ingest.Kafka;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.Settlement;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.Storage.ClickHouse;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Adds the price catalog, the usage store (embedded DuckDB, or ClickHouse in distributed
    /// mode) and ingestion: over gRPC always, and from Kafka when <c>ConnectionStrings:kafka</c>
    /// is set. Telemetry's own usage is written straight to the store instead of being shipped
    /// to itself.
    /// </summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPriceLists();
        services.AddOptions<TelemetryStorageOptions>().BindConfiguration(TelemetryStorageOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryStorageOptions>, TelemetryStorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        var storage = configuration.GetSection(TelemetryStorageOptions.SectionName).Get<TelemetryStorageOptions>() ?? new TelemetryStorageOptions();
        if (storage.Store == TelemetryStorageOptions.ClickHouse)
        {
            services.AddClickHouseStore(configuration);
        }
        else
        {
            services.TryAddSingleton(OpenDuckDb);
            services.TryAddSingleton<IUsageStore>(sp => sp.GetRequiredService<DuckDbUsageStore>());
            services.AddHostedService<UsageStoreInitializer>();
        }

        // After the store is open (and migrated): billing starts only once the price lists are loaded.
        services.TryAddSingleton<PriceBookProvider>();
        services.AddHostedService(sp => sp.GetRequiredService<PriceBookProvider>());
        services.TryAddSingleton<CostReplayer>();
        services.TryAddSingleton<MetricsEngine>();
        services.TryAddSingleton<LedgerReader>();
        services.TryAddSingleton<TenantSql>();
        services.TryAddSingleton<ForecastReader>();
        services.TryAddSingleton<CapacityReader>();
        services.TryAddSingleton<AlertRuleStore>();
        services.TryAddSingleton<AlertFeed>();
        services.AddHttpClient(AlertEvaluator.WebhookClient);
        services.TryAddSingleton<AlertEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());

        services.AddOptions<RollupOptions>().BindConfiguration(RollupOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RollupOptions>, RollupOptionsValidator>());
        services.AddHostedService<RollupCompactionService>();

        services.AddVrio();
        services.TryAddSingleton<UsageSettler>();
        services.AddMeshClient<Mesh.Identity.V1.Budgets.BudgetsClient>("identity");
        services.TryAddSingleton<UsageEventConverter>();
        services.TryAddSingleton<UsageIngestor>();
        services.Replace(ServiceDescriptor.Singleton<IUsageSink, LocalUsageSink>());
        services.AddTelemetryAuthorization();
        services.AddKafkaIngestion(configuration);
        return services;
    }

    private static void AddClickHouseStore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(TelemetryStorageOptions.ClickHouseConnectionName);
        services.TryAddSingleton<IClickHouseClient>(_ => ClickHouseConnection.CreateClient(
            connectionString ?? throw new InvalidOperationException(
                $"{TelemetryStorageOptions.SectionName}:Store is '{TelemetryStorageOptions.ClickHouse}' but ConnectionStrings:{TelemetryStorageOptions.ClickHouseConnectionName} is not set")));
        services.TryAddSingleton(sp => new ClickHouseUsageStore(
            sp.GetRequiredService<IClickHouseClient>(),
            sp.GetRequiredService<IOptions<TelemetryStorageOptions>>().Value.ClickHouseDatabase,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IUsageStore>(sp => sp.GetRequiredService<ClickHouseUsageStore>());
        services.TryAddSingleton<ClickHouseMigrator>();
        services.AddHostedService<ClickHouseStoreInitializer>();
    }

    /// <summary>The Kafka ingestor, when <c>ConnectionStrings:kafka</c> is set and <c>Mesh:Telemetry:Kafka:Enabled</c> is not false.</summary>
    private static void AddKafkaIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        var bootstrap = configuration.GetConnectionString(UsageTopic.ConnectionName);
        var options = configuration.GetSection(KafkaIngestOptions.SectionName).Get<KafkaIngestOptions>() ?? new KafkaIngestOptions();
        if (string.IsNullOrWhiteSpace(bootstrap) || !options.Enabled)
        {
            return;
        }

        services.AddOptions<KafkaIngestOptions>().BindConfiguration(KafkaIngestOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {KafkaIngestOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton<IngestMetrics>();
        services.TryAddSingleton<UsageMessageDecoder>();
        services.TryAddSingleton<UsageBatchWriter>();
        services.AddHealthChecks().AddCheck<UsageIngestHealthCheck>(UsageIngestHealthCheck.Name);
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<KafkaUsageIngestor>(sp, bootstrap));
    }

    private static DuckDbUsageStore OpenDuckDb(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<TelemetryStorageOptions>>().Value;
        var environment = services.GetRequiredService<IHostEnvironment>();
        return new DuckDbUsageStore(Path.Combine(environment.ContentRootPath, options.DuckDbPath));
    }
}
