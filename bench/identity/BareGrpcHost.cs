using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Bench;

/// <summary>
/// The ceiling a permission check is judged against: a bare Grpc.AspNetCore unary call (the
/// health check's answer, no interceptors, no authentication, no work) on the same loopback,
/// measured in the same run as the check.
/// </summary>
public sealed class BareGrpcHost : IAsyncDisposable
{
    private BareGrpcHost(WebApplication app) => App = app;

    public WebApplication App { get; }

    public Uri Address => new(App.Urls.First());

    public static async Task<BareGrpcHost> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        return new BareGrpcHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
