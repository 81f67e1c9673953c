using Mesh.DevServers;
using Mesh.Tools;
using Mesh.Tools.Knowledge;
using Mesh.Tools.Mcp;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Mesh.Bench;

/// <summary>The tools service on Kestrel at a random 127.0.0.1 port (HTTP/2), credentials mode, on a temporary data folder.</summary>
public sealed class ToolsBenchHost : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key-0123456789abcdef0123456789";
    public const string AcmeKey = "bench-acme-key-0123456789abcdef01234567890";
    private readonly string _directory;

    private ToolsBenchHost(WebApplication app, Uri address, string directory)
    {
        App = app;
        Address = address;
        _directory = directory;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<ToolsBenchHost> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"mesh-bench-tools-{Guid.NewGuid():N}");
        var builder = BenchServiceHost.CreateBuilder("tools", new Dictionary<string, string?>
        {
            ["Mesh:BootstrapApiKey"] = AdminKey,
            ["Mesh:ApiKeys:0:Key"] = AcmeKey,
            ["Mesh:ApiKeys:0:Tenant"] = "acme",
            ["Mesh:ApiKeys:0:Principal"] = "alice",
            ["Mesh:Authorization:Mode"] = "Credentials",
            ["Mesh:Service:Key"] = "bench-service-key-tools-0000000000000000",
            ["Mesh:Tools:DataDirectory"] = directory,
            ["Mesh:Tools:Mcp:ServerRoots:0"] = LocalMcpServers.Root,
            ["services:telemetry:http:0"] = "http://127.0.0.1:9",
            ["services:identity:http:0"] = "http://127.0.0.1:9",
            ["services:inference:http:0"] = "http://127.0.0.1:9",
        });
        // Figures on stdout, the service's own warnings (no telemetry to price with here) on stderr.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddTools();
        var app = builder.Build();
        app.MapGrpcService<ToolsService>();
        app.MapGrpcService<McpServersService>();
        app.MapGrpcService<KnowledgeService>();
        return new ToolsBenchHost(app, await BenchServiceHost.StartAsync(app), directory);
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
