using Mesh.DevServers;
using Mesh.Metering.Kafka;

namespace Mesh.Distributed.Tests.Support;

/// <summary>
/// One ClickHouse server and one Kafka mock broker for the distributed tests. Tests run one at
/// a time (they inject faults into these servers) and each uses topics, a consumer group and a
/// database of its own.
/// </summary>
public sealed class DistributedFixture : IAsyncLifetime
{
    private LocalClickHouse? _clickHouse;
    private LocalKafkaBroker? _broker;

    public LocalClickHouse ClickHouse => _clickHouse ?? throw new InvalidOperationException("not started");

    public LocalKafkaBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        _clickHouse = await LocalClickHouse.StartAsync(timeout.Token);
        _broker = await LocalKafkaBroker.StartAsync($"{UsageTopic.Name}:8,{UsageTopic.DeadLetterName}:2");
    }

    public async Task DisposeAsync()
    {
        _broker?.Dispose();
        if (_clickHouse is not null)
        {
            await _clickHouse.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DistributedCollection : ICollectionFixture<DistributedFixture>
{
    public const string Name = "distributed";
}
