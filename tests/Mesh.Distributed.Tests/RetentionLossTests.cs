using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Google.Protobuf;
using Mesh.DevServers;
using Mesh.Distributed.Tests.Support;

namespace Mesh.Distributed.Tests;

/// <summary>
/// Records the broker deletes before the ingestor stores them are billing data lost: the
/// ingestor must say so loudly, with the exact range, and keep storing what is left once.
/// </summary>
[Collection(DistributedCollection.Name)]
public sealed partial class RetentionLossTests(DistributedFixture servers)
{
    private const decimal EmbeddingPerToken = 0.02m / 1_000_000m;

    [Fact]
    public async Task Ingestor_RecordsDeletedByRetentionWhileStopped_ReportsTheExactLossAndStoresTheRestOnce()
    {
        const int Before = 100;
        const int WhileStopped = 30_000; // ~400 B each: ~12 MiB, well past the mock's ~5 MiB per partition
        await using var scenario = await IngestScenario.CreateAsync(servers, partitions: 1);
        scenario.StartIngestor();
        await scenario.WaitForAssignmentAsync();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = scenario.Bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        }).Build();
        Produce(producer, scenario.Topic, 0, Before);
        Assert.Equal(Before, (await scenario.WaitForStoredAsync(Before, TimeSpan.FromSeconds(60))).Distinct);
        Assert.Equal(0, await scenario.WaitForNoLagAsync(TimeSpan.FromSeconds(60)));

        scenario.Ingestor.Kill();
        Produce(producer, scenario.Topic, Before, WhileStopped);
        var (start, end) = Watermarks(scenario);
        Assert.Equal(Before + WhileStopped, end);
        Assert.InRange(start, Before + 1, end - 1000); // the broker dropped some of the backlog, and kept some

        var healthPort = FreePort.Next();
        scenario.StartIngestor(healthPort);
        var report = await scenario.Ingestor.WaitForLineAsync(line => line.Contains("usage records lost before ingestion", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var stored = await scenario.WaitForStoredAsync(Before + end - start, TimeSpan.FromSeconds(120));

        var lost = LostReport().Match(report);
        Assert.True(lost.Success, report);
        Assert.Equal(start - Before, long.Parse(lost.Groups["count"].Value, CultureInfo.InvariantCulture));
        Assert.Equal($"{scenario.Topic} partition 0 offsets {Before} to {start - 1}", lost.Groups["range"].Value);
        Assert.Single(Regex.Matches(scenario.Ingestor.Output, "usage records lost before ingestion"));
        // Every record still in the log is stored once; the lost ones are the oldest of the backlog.
        Assert.Equal((Before + end - start, Before + end - start), (stored.Rows, stored.Distinct));
        Assert.Equal(Cost(0, Before) + Cost(start, end), stored.Cost);
        Assert.Equal(0, await scenario.WaitForNoLagAsync(TimeSpan.FromSeconds(60)));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("Degraded", await http.GetStringAsync(new Uri($"http://127.0.0.1:{healthPort}/health")));
    }

    /// <summary>Produces events <paramref name="first"/>.. in order; one producer and one partition, so event i lands at offset i.</summary>
    private static void Produce(IProducer<string, byte[]> producer, string topic, int first, int count)
    {
        var padding = new string('x', 300);
        var failed = 0;
        for (var i = first; i < first + count; i++)
        {
            var usageEvent = UsageEvents.Embedding(Tokens(i));
            usageEvent.Attributes["note"] = padding;
            producer.Produce(topic, new Message<string, byte[]> { Key = "acme", Value = usageEvent.ToByteArray() }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                }
            });
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(0, failed);
    }

    private static long Tokens(long i) => 1 + (i % 1000);

    private static decimal Cost(long from, long to)
    {
        decimal cost = 0;
        for (var i = from; i < to; i++)
        {
            cost += Tokens(i) * EmbeddingPerToken;
        }

        return cost;
    }

    private static (long Start, long End) Watermarks(IngestScenario scenario)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = scenario.Bootstrap, GroupId = "watermarks-" + Guid.NewGuid().ToString("N") }).Build();
        var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(scenario.Topic, 0), TimeSpan.FromSeconds(10));
        return (offsets.Low.Value, offsets.High.Value);
    }

    [GeneratedRegex(@"(?<count>\d+) usage records lost before ingestion: (?<range>.+?) were deleted")]
    private static partial Regex LostReport();
}
