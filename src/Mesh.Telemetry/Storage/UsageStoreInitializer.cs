namespace Mesh.Telemetry.Storage;

/// <summary>Opens the usage store (and creates its schema) when the service starts, not on the first call.</summary>
public sealed partial class UsageStoreInitializer(DuckDbUsageStore store, ILogger<UsageStoreInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogOpened(logger, store.Path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Usage store open at {Path}")]
    private static partial void LogOpened(ILogger logger, string path);
}
