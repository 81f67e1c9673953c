using Mesh.Identity;
using Mesh.Identity.Api;
using Mesh.Metering;
using Mesh.Usage.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:BootstrapApiKey"] = AdminKey,
            ["Mesh:Identity:DatabasePath"] = Path.Combine(directory, "identity.db"),
        });
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton<IUsagePublisher, DiscardingPublisher>();
        builder.AddIdentity();
        builder.AddMeshService("identity");
        var app = builder.Build();
        app.MapGrpcService<IdentityService>();
        app.MapGrpcService<TokensService>();
        app.MapGrpcService<KeySetService>();
        app.MapGrpcService<PermissionsService>();
        app.MapGrpcService<BudgetsService>();
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new IdentityBenchHost(app, address, directory);
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

    /// <summary>Audit events go nowhere: the benchmark measures decisions, not shipping.</summary>
    private sealed class DiscardingPublisher : IUsagePublisher
    {
        public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
