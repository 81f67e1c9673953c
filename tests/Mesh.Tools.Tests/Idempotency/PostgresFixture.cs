using Mesh.DevServers;

namespace Mesh.Tools.Tests.Idempotency;

/// <summary>One local PostgreSQL (Debian's, started by the test) for the tests that share it; each takes a database of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private LocalPostgres? _server;

    public LocalPostgres Server => _server ?? throw new InvalidOperationException("the server has not started");

    public async Task InitializeAsync() => _server = await LocalPostgres.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>A new empty database; its connection string.</summary>
    public Task<string> NewDatabaseAsync() => Server.CreateDatabaseAsync($"tools_{Guid.NewGuid():N}").WaitAsync(TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "tools-postgres";
}
