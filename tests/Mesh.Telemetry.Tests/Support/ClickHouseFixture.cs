using ClickHouse.Driver;
using Mesh.DevServers;
using Mesh.Telemetry.Storage.ClickHouse;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Telemetry.Tests.Support;

/// <summary>One local ClickHouse server for the tests that need it; each test takes a database of its own.</summary>
public sealed class ClickHouseFixture : IAsyncLifetime
{
    private LocalClickHouse? _server;

    public LocalClickHouse Server => _server ?? throw new InvalidOperationException("ClickHouse is not started");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _server = await LocalClickHouse.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh database with the usage schema, and a client to it.</summary>
    public async Task<(ClickHouseClient Client, string Database)> NewDatabaseAsync()
    {
        var database = "t_" + Guid.NewGuid().ToString("N");
        var client = ClickHouseConnection.CreateClient(Server.ConnectionString);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await new ClickHouseMigrator(client, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(database, TimeSpan.FromSeconds(10), timeout.Token);
        return (client, database);
    }
}

[CollectionDefinition(Name)]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseFixture>
{
    public const string Name = "clickhouse";
}
