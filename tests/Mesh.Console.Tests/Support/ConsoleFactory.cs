using Mesh.Console.Options;
using Mesh.DevServers;
using Mesh.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Console.Tests.Support;

/// <summary>
/// The console with its gRPC clients pointed at the in-memory services: in memory (TestServer),
/// or on a free loopback port (Kestrel) when a real browser must reach it.
/// </summary>
public sealed class ConsoleFactory : WebApplicationFactory<ConsoleOptions>
{
    private static readonly string[] IdentityClients = ["IdentityClient", "BudgetsClient"];
    private static readonly string[] TelemetryClients = ["AnalyticsClient", "AlertsClient", "VrioClient"];
    private readonly ConsoleMesh _mesh;

    public ConsoleFactory(ConsoleMesh mesh, bool kestrel)
    {
        _mesh = mesh;
        Port = kestrel ? FreePort.Next() : 0;
        if (kestrel)
        {
            UseKestrel();
        }
    }

    public int Port { get; }

    /// <summary>The console's address for a browser (Kestrel only).</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>A client that keeps cookies and does not follow redirects (a test sees each one).</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = Port > 0 ? Address : new Uri("http://localhost") });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Kestrel:Endpoints:http:Url", $"http://127.0.0.1:{Port}");
        builder.ConfigureServices(services =>
        {
            foreach (var client in IdentityClients)
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => _mesh.Identity.Server.CreateHandler()));
            }

            foreach (var client in TelemetryClients)
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => _mesh.Telemetry.Server.CreateHandler()));
            }

            services.AddHttpClient("AgentsClient").ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => _mesh.Agents.Server.CreateHandler()));
        });
    }
}
