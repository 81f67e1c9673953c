using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Tools.Tests.Http;

/// <summary>A small web server on 127.0.0.1 (a free port) that records every request it gets.</summary>
public sealed class LoopbackWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackWebServer(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public int Port => new Uri(_app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
        .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First()).Port;

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public static async Task<LoopbackWebServer> StartAsync(Action<WebApplication, LoopbackWebServer> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var builder = WebApplication.CreateSlimBuilder();
        // Not the tools service's appsettings beside the test binaries (its fixed ports): a free loopback port only.
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackWebServer(app);
        app.Use(async (context, next) =>
        {
            server.Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            await next(context);
        });
        routes(app, server);
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
