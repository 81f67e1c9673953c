using Mesh.Identity;
using Mesh.Identity.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Bench;

/// <summary>The identity service on Kestrel at a random 127.0.0.1 port (HTTP/2), on a temporary database.</summary>
public sealed class IdentityBenchHost : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789abcdef0123456789";
    private readonly string _directory;

    private IdentityBenchHost(WebApplication app, Uri address, string directory)
    {
        App = app;
        Address = address;
        _directory = directory;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<IdentityBenchHost> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mesh-bench-identity-{Guid.NewGuid():N}");
        var builder = BenchServiceHost.CreateBuilder("identity", new Dictionary<string, string?>
        {
            ["Mesh:BootstrapApiKey"] = AdminKey,
            ["Mesh:Identity:DatabasePath"] = Path.Combine(directory, "identity.db"),
        });
        builder.AddIdentity();
        var app = builder.Build();
        app.MapGrpcService<IdentityService>();
        app.MapGrpcService<TokensService>();
        app.MapGrpcService<KeySetService>();
        app.MapGrpcService<PermissionsService>();
        app.MapGrpcService<BudgetsService>();
        return new IdentityBenchHost(app, await BenchServiceHost.StartAsync(app), directory);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
