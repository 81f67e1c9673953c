using System.Globalization;
using System.Text.Json;
using ClickHouse.Driver;
using Confluent.Kafka;
using Mesh.DevServers;
using Mesh.Telemetry.Storage.ClickHouse;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Distributed.Tests.Support;

/// <summary>
/// One test's slice of the servers: its topics, consumer group and ClickHouse database, and
/// telemetry's ingestor as a real process reading them.
/// </summary>
public sealed class IngestScenario : IAsyncDisposable
{
    public const string ApiKey = "distributed-tests-admin-key-7c1e";
    private readonly DistributedFixture _servers;
    private readonly ClickHouseClient _client;
    private ChildProcess? _ingestor;

    private IngestScenario(DistributedFixture servers, string id)
    {
        _servers = servers;
        Topic = $"usage-{id}";
        DeadLetterTopic = $"usage-dlq-{id}";
        GroupId = $"ingest-{id}";
        Database = $"d_{id}";
        _client = ClickHouseConnection.CreateClient(servers.ClickHouse.ConnectionString);
    }

    public string Topic { get; }

    public string DeadLetterTopic { get; }

    public string GroupId { get; }

    public string Database { get; }

    public string Bootstrap => _servers.Broker.Bootstrap;

    public ChildProcess Ingestor => _ingestor ?? throw new InvalidOperationException("the ingestor is not running");

    public static async Task<IngestScenario> CreateAsync(DistributedFixture servers, int partitions)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var scenario = new IngestScenario(servers, Guid.NewGuid().ToString("N")[..12]);
        await servers.Broker.CreateTopicAsync(scenario.Topic, partitions);
        await servers.Broker.CreateTopicAsync(scenario.DeadLetterTopic, 2);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await new ClickHouseMigrator(scenario._client, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync(scenario.Database, TimeSpan.FromSeconds(10), timeout.Token);
        return scenario;
    }

    /// <summary>
    /// Starts telemetry (Mesh.Telemetry) in distributed mode: ClickHouse store, Kafka ingestor;
    /// its <c>/health</c> on <paramref name="healthPort"/> when given.
    /// </summary>
    public void StartIngestor(int? healthPort = null)
    {
        _ingestor?.Dispose();
        _ingestor = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Telemetry", typeof(IngestScenario).Assembly), [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = "http://127.0.0.1:0",
            ["Kestrel__Endpoints__health__Url"] = $"http://127.0.0.1:{healthPort ?? 0}",
            ["Mesh__BootstrapApiKey"] = ApiKey,
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["ConnectionStrings__clickhouse"] = _servers.ClickHouse.ConnectionString,
            ["ConnectionStrings__kafka"] = Bootstrap,
            ["Mesh__Telemetry__Store"] = "clickhouse",
            ["Mesh__Telemetry__ClickHouseDatabase"] = Database,
            ["Mesh__Telemetry__Kafka__Topic"] = Topic,
            ["Mesh__Telemetry__Kafka__DeadLetterTopic"] = DeadLetterTopic,
            ["Mesh__Telemetry__Kafka__GroupId"] = GroupId,
            ["Mesh__Telemetry__Kafka__MaxBatchSize"] = "10000",
            ["Mesh__Telemetry__Kafka__MaxRetryDelay"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Mesh.Telemetry.Ingest"] = "Information",
            ["OTEL_SDK_DISABLED"] = "true",
        });
    }

    /// <summary>Waits until the ingestor has joined the group and holds partitions.</summary>
    public Task WaitForAssignmentAsync() =>
        Ingestor.WaitForLineAsync(line => line.Contains("Assigned", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

    /// <summary>Rows, distinct event ids and total cost stored so far.</summary>
    public async Task<(long Rows, long Distinct, decimal Cost)> StoredAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var result = await _client.ExecuteRawResultAsync(
            $"SELECT count() AS n, uniqExact(event_id) AS d, toString(sum(cost_usd)) AS c FROM {Database}.usage_events FORMAT JSONEachRow", null, timeout.Token);
        using var json = JsonDocument.Parse(await result.ReadAsStringAsync());
        var row = json.RootElement;
        return (long.Parse(row.GetProperty("n").GetString()!, CultureInfo.InvariantCulture),
            long.Parse(row.GetProperty("d").GetString()!, CultureInfo.InvariantCulture),
            decimal.Parse(row.GetProperty("c").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>The ids of the events stored so far.</summary>
    public async Task<HashSet<string>> StoredIdsAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var result = await _client.ExecuteRawResultAsync($"SELECT toString(event_id) FROM {Database}.usage_events FORMAT TSV", null, timeout.Token);
        return [.. (await result.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>Polls until at least <paramref name="rows"/> distinct events are stored; returns the last reading.</summary>
    public async Task<(long Rows, long Distinct, decimal Cost)> WaitForStoredAsync(long rows, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            (long Rows, long Distinct, decimal Cost) stored;
            try
            {
                stored = await StoredAsync();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
                continue;
            }

            if (stored.Distinct >= rows || DateTime.UtcNow > deadline)
            {
                return stored;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Records in the topic past the group's committed offsets, as the broker sees them.</summary>
    public long CommittedLag()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Bootstrap }).Build();
        var partitions = admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions
            .Select(p => new TopicPartition(Topic, p.PartitionId)).ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Bootstrap, GroupId = GroupId, EnableAutoCommit = false }).Build();
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.Partition.Value, c => c.Offset);
        long lag = 0;
        foreach (var partition in partitions)
        {
            var high = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
            var done = committed.TryGetValue(partition.Partition.Value, out var offset) && offset != Offset.Unset ? offset.Value : 0;
            lag += Math.Max(0, high - done);
        }

        return lag;
    }

    /// <summary>Polls until the group's committed lag is zero; returns the last reading.</summary>
    public async Task<long> WaitForNoLagAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            long lag;
            try
            {
                lag = CommittedLag();
            }
            catch (KafkaException) when (DateTime.UtcNow < deadline)
            {
                lag = -1;
            }

            if (lag == 0 || DateTime.UtcNow > deadline)
            {
                return lag;
            }

            await Task.Delay(500);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _ingestor?.Dispose();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {Database}", null, null, timeout.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ClickHouse.Driver.ClickHouseServerException)
        {
            // The server may be gone already; its folder is removed with it.
        }

        _client.Dispose();
    }
}
