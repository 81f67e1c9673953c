using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>At start: creates the ClickHouse schema when asked to (<c>MigrateOnStart</c>), and says where usage goes.</summary>
public sealed partial class ClickHouseStoreInitializer(
    ClickHouseMigrator migrator,
    IOptions<TelemetryStorageOptions> options,
    ILogger<ClickHouseStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.MigrateOnStart)
        {
            await migrator.MigrateAsync(settings.ClickHouseDatabase, TimeSpan.FromMinutes(1), cancellationToken);
        }

        LogStore(logger, settings.ClickHouseDatabase);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Usage store: ClickHouse database {Database}")]
    private static partial void LogStore(ILogger logger, string database);
}
