using Grpc.Net.Client;
using Mesh.Metering;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Testing;

/// <summary>
/// Hosts one Mesh service in memory (ASP.NET Core TestServer, real gRPC over HTTP/2 frames)
/// with the test API keys, and captures its usage events instead of shipping them.
/// </summary>
/// <typeparam name="TEntryPoint">Any public type of the service's assembly.</typeparam>
public class MeshServiceFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly Dictionary<string, string?> _settings = new(TestKeys.Settings)
    {
        // Mesh.Tools -> tools: the service presents its own key for its calls to other services.
        ["Mesh:Service:Key"] = TestKeys.Service(typeof(TEntryPoint).Assembly.GetName().Name!["Mesh.".Length..].ToLowerInvariant()),
    };
    // The tools service keeps its database, vectors and workspaces here, never in the source tree.
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"mesh-host-{Guid.NewGuid():N}");
    private readonly List<Action<IServiceCollection>> _services = [];

    private bool _shipUsage;

    public MeshServiceFactory() => _settings["Mesh:Tools:DataDirectory"] = _scratch;

    static MeshServiceFactory()
    {
        // Test hosts never reload appsettings: each watcher would hold one of the user's few inotify instances.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
    }

    public CapturingUsagePublisher Usage { get; } = new();

    /// <summary>Usage is captured and also shipped as in production (to telemetry, which bills it and settles budgets).</summary>
    public MeshServiceFactory<TEntryPoint> WithShippedUsage()
    {
        _shipUsage = true;
        return this;
    }

    /// <summary>Overrides a configuration value before the host starts.</summary>
    public MeshServiceFactory<TEntryPoint> WithSetting(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>Changes the service's registrations before the host starts.</summary>
    public MeshServiceFactory<TEntryPoint> WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>A channel to the in-memory server.</summary>
    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = Server.CreateHandler(),
        MaxReceiveMessageSize = 16 * 1024 * 1024,
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
        try
        {
            if (Directory.Exists(_scratch))
            {
                Directory.Delete(_scratch, recursive: true);
            }
        }
        catch (IOException)
        {
            // still held by a closing process: left to the OS's temp cleanup
        }
        catch (UnauthorizedAccessException)
        {
            // as above
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<IUsagePublisher>();
            if (_shipUsage)
            {
                services.AddSingleton<IUsagePublisher>(sp => Usage.ForwardingTo(sp.GetRequiredService<UsageBuffer>()));
            }
            else
            {
                services.AddSingleton<IUsagePublisher>(Usage);
            }
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }
}
