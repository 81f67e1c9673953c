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

/// <summary>
/// A Mesh service hosted in a benchmark's process: Kestrel at a random 127.0.0.1 port (HTTP/2),
/// only the given settings, warnings and worse logged, and usage events discarded, since the
/// benchmarks measure the service, not the shipping of its usage.
/// </summary>
public static class BenchServiceHost
{
    /// <summary>A builder with the service's Mesh defaults added; the caller adds the service's own parts and maps it.</summary>
    public static WebApplicationBuilder CreateBuilder(string service, IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton<IUsagePublisher, DiscardingPublisher>();
        builder.AddMeshService(service);
        return builder;
    }

    /// <summary>Starts <paramref name="app"/>; returns the address it listens on.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync();
        return new Uri(app.Urls.First());
    }

    private sealed class DiscardingPublisher : IUsagePublisher
    {
        public ValueTask PublishAsync(UsageEvent usageEvent, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
