using Mesh.KafkaBroker.Forwarding;
using Mesh.KafkaBroker.Mock;
using Microsoft.Extensions.Options;

namespace Mesh.KafkaBroker;

/// <summary>
/// The mock cluster with a fixed loopback address per broker: each broker is advertised at
/// its forwarder's port, so clients in other processes only ever dial known ports.
/// </summary>
public sealed partial class MockBroker(IOptions<BrokerOptions> options, ILogger<MockBroker> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<TcpForwarder> _forwarders = [];
    private readonly Dictionary<string, int> _topics = [];
    private MockCluster? _cluster;

    public MockCluster Cluster => _cluster ?? throw new InvalidOperationException("the broker is not started");

    /// <summary>The bootstrap servers clients use: every broker's fixed address.</summary>
    public string Bootstrap => string.Join(',', _forwarders.Select(f => $"127.0.0.1:{f.Port}"));

    public IReadOnlyDictionary<string, int> Topics => _topics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        _cluster = new MockCluster(settings.Brokers);
        for (var i = 0; i < settings.Brokers; i++)
        {
            var forwarder = new TcpForwarder(settings.Port == 0 ? 0 : settings.Port + i, _cluster.BrokerPorts[i]);
            _forwarders.Add(forwarder);
            _cluster.Advertise(i + 1, "127.0.0.1", forwarder.Port);
        }

        foreach (var (name, partitions) in settings.TopicList())
        {
            CreateTopic(name, partitions);
        }

        LogStarted(logger, Bootstrap, settings.Brokers);
        return Task.CompletedTask;
    }

    public void CreateTopic(string name, int partitions)
    {
        lock (_topics)
        {
            Cluster.CreateTopic(name, partitions);
            _topics[name] = partitions;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var forwarder in _forwarders)
        {
            await forwarder.DisposeAsync();
        }

        _cluster?.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Kafka mock cluster of {Brokers} broker(s) at {Bootstrap}")]
    private static partial void LogStarted(ILogger logger, string bootstrap, int brokers);
}
