using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace Mesh.AppHost.Tests;

/// <summary>Starts the whole mesh once (five real service processes under DCP) for the tests of a class.</summary>
public sealed class MeshFixture : IAsyncLifetime
{
    public const string ApiKey = "e2e-admin-key-5f1c0d9a7b3e42c8";
    public static readonly string[] Services = ["identity", "inference", "tools", "agents", "telemetry"];

    private readonly Dictionary<string, GrpcChannel> _channels = [];
    private readonly string _stateFolder = Path.Combine(Path.GetTempPath(), $"mesh-e2e-state-{Guid.NewGuid():N}");
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The mesh is not started.");

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        // Everything the mesh writes (spools, the usage store) lives here and goes with it.
        Directory.CreateDirectory(_stateFolder);
        _app = await MeshStartup.BuildAsync(
            ["Mesh:Demo=false", $"Parameters:bootstrap-api-key={ApiKey}", $"Mesh:StateFolder={_stateFolder}"],
            builder => MeshStartup.PriceEmbeddingsByTokens(builder, Path.Combine(_stateFolder, "usage.duckdb")),
            TimeSpan.FromMinutes(3),
            startup.Token);
        await MeshStartup.StartAsync(_app, Services, TimeSpan.FromMinutes(5), startup.Token);
    }

    public GrpcChannel Channel(string service)
    {
        if (!_channels.TryGetValue(service, out var channel))
        {
            channel = GrpcChannel.ForAddress(App.GetEndpoint(service, "http"));
            _channels[service] = channel;
        }

        return channel;
    }

    public static CallOptions As(string? tenant = "acme", string apiKey = ApiKey)
    {
        var headers = new Metadata { { "authorization", $"Bearer {apiKey}" } };
        if (tenant is not null)
        {
            headers.Add("x-mesh-tenant", tenant);
        }

        return new CallOptions(headers, DateTime.UtcNow.AddSeconds(60));
    }

    public async Task DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        if (_app is not null)
        {
            await MeshStartup.StopAsync(_app, TimeSpan.FromMinutes(2));
        }

        if (Directory.Exists(_stateFolder))
        {
            Directory.Delete(_stateFolder, recursive: true);
        }
    }
}
