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
    private readonly string _spool = Path.Combine(Path.GetTempPath(), $"mesh-test-spool-{Guid.NewGuid():N}");

    private bool _shipUsage;

    public MeshServiceFactory()
    {
        _settings["Mesh:Usage:Spool:Directory"] = _spool;
        _settings["Mesh:Tools:DataDirectory"] = _scratch;
    }

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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        DeleteFolders();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        DeleteFolders();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The test's usage spool and the tools data go with it; a test that needs what was left there
    /// reads it before disposing.
    /// </summary>
    private void DeleteFolders()
    {
        foreach (var folder in new[] { _spool, _scratch })
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // a file still held by a closing host; the temp folder's cleanup takes it
            }
        }
    }
}
