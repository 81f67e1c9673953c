using ClickHouse.Driver;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// <c>Mesh.Telemetry migrate</c>: creates the ClickHouse usage schema at
/// <c>ConnectionStrings:clickhouse</c> and exits; the mesh's services wait for it.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddSingleton<IClickHouseClient>(_ => ClickHouseConnection.CreateClient(
            builder.Configuration.GetConnectionString(TelemetryStorageOptions.ClickHouseConnectionName)
            ?? throw new InvalidOperationException($"set ConnectionStrings:{TelemetryStorageOptions.ClickHouseConnectionName} to the ClickHouse to migrate")));
        builder.Services.AddSingleton<ClickHouseMigrator>();
        using var host = builder.Build();
        var database = builder.Configuration[$"{TelemetryStorageOptions.SectionName}:{nameof(TelemetryStorageOptions.ClickHouseDatabase)}"] ?? ClickHouseSchema.DefaultDatabase;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await host.Services.GetRequiredService<ClickHouseMigrator>().MigrateAsync(database, TimeSpan.FromMinutes(2), timeout.Token);
        return 0;
    }
}
