using Grpc.Net.Client;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Telemetry.Tests.Support;

/// <summary>The telemetry service in memory over its own temporary DuckDB file.</summary>
public sealed class TelemetryHost : IDisposable
{
    private readonly TempDatabase? _ownDatabase;
    private readonly MeshServiceFactory<UsageIngestService> _factory;
    private readonly GrpcChannel _channel;

    /// <param name="database">A database the caller keeps (to start another host on it later); default: a fresh one of its own.</param>
    public TelemetryHost(
        DateTimeOffset? now = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        TempDatabase? database = null,
        Action<IServiceCollection>? services = null)
    {
        _ownDatabase = database is null ? new TempDatabase() : null;
        _factory = new MeshServiceFactory<UsageIngestService>()
            .WithSetting("Mesh:Telemetry:DuckDbPath", (database ?? _ownDatabase)!.Path);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _factory.WithSetting(key, value);
        }

        if (now is { } fixedNow)
        {
            _factory.WithServices(s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FixedTimeProvider(fixedNow))));
        }

        if (services is not null)
        {
            _factory.WithServices(services);
        }

        _channel = _factory.CreateChannel();
        Ingest = new UsageIngest.UsageIngestClient(_channel);
        Analytics = new V1.Analytics.AnalyticsClient(_channel);
        Prices = new V1.Prices.PricesClient(_channel);
    }

    public V1.Prices.PricesClient Prices { get; }

    public GrpcChannel Channel => _channel;

    public UsageIngest.UsageIngestClient Ingest { get; }

    public V1.Analytics.AnalyticsClient Analytics { get; }

    public IServiceProvider Services => _factory.Services;

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
        _ownDatabase?.Dispose();
    }
}
