using ClickHouse.Driver;

namespace Mesh.Telemetry.Storage.ClickHouse;

/// <summary>
/// Creates the usage schema. Every statement is idempotent, so the migrator runs at every
/// start of the mesh; it waits for a server that is still starting.
/// </summary>
public sealed partial class ClickHouseMigrator(IClickHouseClient client, ILogger<ClickHouseMigrator> logger)
{
    public async Task MigrateAsync(string database, TimeSpan waitForServer, CancellationToken cancellationToken)
    {
        await WaitForServerAsync(waitForServer, cancellationToken);
        var statements = ClickHouseSchema.Statements(database);
        foreach (var statement in statements)
        {
            await client.ExecuteNonQueryAsync(statement, null, null, cancellationToken);
        }

        await AddMissingColumnsAsync(database, cancellationToken);

        LogMigrated(logger, database, statements.Count);
    }

    /// <summary>Adds the columns a table made by an earlier release lacks (18.16 has no ADD COLUMN IF NOT EXISTS).</summary>
    private async Task AddMissingColumnsAsync(string database, CancellationToken cancellationToken)
    {
        var sql = $"SELECT name FROM system.columns WHERE database = {ClickHouseDialect.Quote(database)} AND table = '{UsageSql.Table}' FORMAT TabSeparated";
        using var result = await client.ExecuteRawResultAsync(sql, null, cancellationToken);
        var present = (await result.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, type) in ClickHouseSchema.AddedColumns.Where(c => !present.Contains(c.Name)))
        {
            await client.ExecuteNonQueryAsync($"ALTER TABLE {database}.{UsageSql.Table} ADD COLUMN {name} {type}", null, null, cancellationToken);
        }
    }

    private async Task WaitForServerAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(wait);
        while (true)
        {
            try
            {
                if (await client.PingAsync(null, deadline.Token))
                {
                    return;
                }
            }
            catch (HttpRequestException ex) when (!deadline.IsCancellationRequested)
            {
                LogWaiting(logger, ex.Message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), deadline.Token);
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "ClickHouse schema of database {Database} is up to date ({Count} statements)")]
    private static partial void LogMigrated(ILogger logger, string database, int count);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Waiting for ClickHouse: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
