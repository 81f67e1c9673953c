using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Mesh.Distributed.Tests.Support;
using Mesh.Metering.Kafka;

namespace Mesh.Distributed.Tests;

/// <summary>
/// Usage through Kafka into ClickHouse with real processes and real faults: whatever fails,
/// every event is stored exactly once and the cost totals are exact.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed class IngestReliabilityTests(DistributedFixture servers)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Ingestor_KilledMidStreamAndRestarted_StoresEveryEventExactlyOnce()
    {
        const int Events = 200_000;
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 64);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        await using var load = new UsageLoad(scenario.Bootstrap, scenario.Topic);
        await load.StartAsync();

        var publishing = load.PublishAsync(Events, perSecond: 40_000);
        var beforeKill = await scenario.WaitForStoredAsync(Events / 4, TimeSpan.FromSeconds(60));
        scenario.Ingestor.Kill();
        var publishedAtKill = load.Published;
        await Task.Delay(TimeSpan.FromSeconds(1));
        scenario.StartIngestor();
        await publishing.WaitAsync(TimeSpan.FromSeconds(60));
        await load.FlushAsync(TimeSpan.FromSeconds(60));

        var stored = await scenario.WaitForStoredAsync(Events, Settle);
        Assert.InRange(beforeKill.Distinct, Events / 4, Events - 1);
        Assert.True(publishedAtKill < Events, $"the ingestor was killed after the stream ended ({publishedAtKill} published)");
        Assert.Equal((Events, Events), (stored.Rows, stored.Distinct));
        Assert.Equal(load.ExpectedCost, stored.Cost);
        Assert.Equal(0, await scenario.WaitForNoLagAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Ingestor_KilledAfterStoringBeforeAnyCommitLanded_ReadsTheTailAgainAndStoresNothingTwice()
    {
        const int Events = 20_000;
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 8);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        await using var load = new UsageLoad(scenario.Bootstrap, scenario.Topic);
        await load.StartAsync();

        // Every commit fails (REQUEST_TIMED_OUT) while the events are stored, so all of them
        // are still in the partitions' uncommitted tail when the ingestor dies. They went out as
        // first sends: only the tail tells the next ingestor to look them up.
        await servers.Broker.FailNextAsync("OffsetCommit", errorCode: 7, count: 10_000);
        try
        {
            await load.PublishAsync(Events, perSecond: 20_000);
            await load.FlushAsync(TimeSpan.FromSeconds(60));
            var beforeKill = await scenario.WaitForStoredAsync(Events, Settle);
            Assert.Equal((Events, Events), (beforeKill.Rows, beforeKill.Distinct));
            Assert.Equal(Events, scenario.CommittedLag());
            scenario.Ingestor.Kill();
        }
        finally
        {
            await servers.Broker.ClearFailuresAsync("OffsetCommit");
        }

        scenario.StartIngestor();
        Assert.Equal(0, await scenario.WaitForNoLagAsync(TimeSpan.FromSeconds(60)));
        var stored = await scenario.StoredAsync();
        Assert.Equal((Events, Events), (stored.Rows, stored.Distinct));
        Assert.Equal(load.ExpectedCost, stored.Cost);
    }

    [Fact]
    public async Task Ingest_BrokerDownInjectedErrorsAndClickHouseRestart_LosesAndDoublesNothing()
    {
        const int Events = 100_000;
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 64);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        await using var load = new UsageLoad(scenario.Bootstrap, scenario.Topic);
        await load.StartAsync();

        var publishing = load.PublishAsync(Events, perSecond: 10_000);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await servers.Broker.FailNextAsync("Produce", errorCode: 19, count: 20); // NOT_ENOUGH_REPLICAS: retriable
        await servers.Broker.FailNextAsync("OffsetCommit", errorCode: 7, count: 5); // REQUEST_TIMED_OUT
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await servers.Broker.SetDownAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await servers.Broker.SetUpAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        // ClickHouse stays down until the ingestor has met it down (on a busy machine it may take a while to get there).
        servers.ClickHouse.Kill();
        await scenario.Ingestor.WaitForLineAsync(line => line.Contains("usage records to the usage store", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await servers.ClickHouse.RestartAsync(downtime: TimeSpan.FromSeconds(1));
        await publishing.WaitAsync(TimeSpan.FromSeconds(90));
        await load.FlushAsync(TimeSpan.FromSeconds(60));

        var stored = await scenario.WaitForStoredAsync(Events, Settle);
        Assert.Equal((Events, Events), (stored.Rows, stored.Distinct));
        Assert.Equal(load.ExpectedCost, stored.Cost);
        Assert.Equal(0, await scenario.WaitForNoLagAsync(TimeSpan.FromSeconds(60)));
        // Each fault reached the ingestor, and it rode them out.
        var output = scenario.Ingestor.Output;
        Assert.False(scenario.Ingestor.HasExited, output);
        Assert.Contains("Committing offsets of", output, StringComparison.Ordinal);
        Assert.Contains("brokers are down", output, StringComparison.Ordinal);
        Assert.Contains("usage records to the usage store", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_BadRecordsAmongGoodOnes_DeadLettersThemWithReasonsAndStoresTheRest()
    {
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 4);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        var missingTenant = UsageEvents.Embedding(0);
        missingTenant.TenantId = "";
        var negativeTokens = UsageEvents.Embedding(0);
        negativeTokens.InputTokens = -5;
        var records = new List<(string Key, byte[] Value)>
        {
            ("acme", UsageEvents.Embedding(10).ToByteArray()),
            ("acme", Encoding.UTF8.GetBytes("\u0001garbage, not protobuf \u00ff")),
            ("acme", UsageEvents.Embedding(20).ToByteArray()),
            ("acme", missingTenant.ToByteArray()),
            ("acme", UsageEvents.Embedding(30).ToByteArray()),
            ("acme", negativeTokens.ToByteArray()),
            ("acme", UsageEvents.Embedding(40).ToByteArray()),
        };
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = scenario.Bootstrap, EnableIdempotence = true, Acks = Acks.All }).Build())
        {
            foreach (var (key, value) in records)
            {
                await producer.ProduceAsync(scenario.Topic, new Message<string, byte[]> { Key = key, Value = value }).WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        var stored = await scenario.WaitForStoredAsync(4, TimeSpan.FromSeconds(60));
        var letters = ReadDeadLetters(scenario, expected: 3, TimeSpan.FromSeconds(60));

        Assert.Equal((4L, 4L), (stored.Rows, stored.Distinct));
        Assert.Equal(100 * 0.02m / 1_000_000m, stored.Cost);
        Assert.Collection(
            letters.OrderBy(l => l.Offset),
            l => Assert.StartsWith("undecodable:", l.Reason, StringComparison.Ordinal),
            l => Assert.Equal("invalid: tenant_id is required", l.Reason),
            l => Assert.Equal("invalid: input_tokens must not be negative (got -5)", l.Reason));
        Assert.All(letters, l => Assert.StartsWith($"{scenario.Topic}/", l.Source, StringComparison.Ordinal));
        Assert.Equal(records[1].Value, letters.OrderBy(l => l.Offset).First().Value);
    }

    private static List<(long Offset, string Reason, string Source, byte[] Value)> ReadDeadLetters(IngestScenario scenario, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = scenario.Bootstrap,
            GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(scenario.DeadLetterTopic);
        var letters = new List<(long, string, string, byte[])>();
        var deadline = DateTime.UtcNow + timeout;
        while (letters.Count < expected && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result?.Message is { } message)
            {
                var original = long.Parse(Header(message, UsageTopic.DeadLetterSourceHeader).Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
                letters.Add((original, Header(message, UsageTopic.DeadLetterReasonHeader), Header(message, UsageTopic.DeadLetterSourceHeader), message.Value));
            }
        }

        consumer.Close();
        return letters;
    }

    private static string Header(Message<byte[], byte[]> message, string name) =>
        message.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "";
}
