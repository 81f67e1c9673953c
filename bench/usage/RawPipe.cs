using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Mesh.DevServers;

namespace Mesh.Bench;

/// <summary>
/// The ceiling the usage path is judged against, measured in the same run: the same events from
/// the same number of producers, configured as Mesh's (idempotent, acks=all, same linger and
/// partitioner), through the same broker to one consumer that only counts them: no buffer,
/// spool or shipper before Kafka, and no decoding, pricing or store after it.
/// </summary>
internal static class RawPipe
{
    /// <summary>When the raw pipe's first event was consumed, when its producers had flushed, when the last event was consumed.</summary>
    public readonly record struct Timings(TimeSpan FirstConsumed, TimeSpan Produced, TimeSpan Total);

    public static async Task<TimeSpan> RunAsync(LocalKafkaBroker broker, int events, int producers, int partitions, CancellationToken cancellationToken) =>
        (await TimeAsync(broker, events, producers, partitions, cancellationToken)).Total;

    public static async Task<Timings> TimeAsync(LocalKafkaBroker broker, int events, int producers, int partitions, CancellationToken cancellationToken)
    {
        var topic = $"raw-pipe-{Guid.NewGuid():N}";
        await broker.CreateTopicAsync(topic, partitions);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = topic,
            GroupProtocol = GroupProtocol.Classic,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var consumed = 0L;
        var clock = new Stopwatch();
        var firstConsumed = TimeSpan.Zero;
        var counting = Task.Run(() =>
        {
            while (Interlocked.Read(ref consumed) < events && !cancellationToken.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null } && Interlocked.Increment(ref consumed) == 1)
                {
                    firstConsumed = clock.Elapsed;
                }
            }
        }, cancellationToken);

        clock.Start();
        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(() => Produce(broker.Bootstrap, topic, events / producers, p), cancellationToken)));
        var produced = clock.Elapsed;
        await counting.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken);
        var elapsed = clock.Elapsed;
        consumer.Close();
        return new Timings(firstConsumed, produced, elapsed);
    }

    private static void Produce(string bootstrap, string topic, int count, int producer)
    {
        using var kafka = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
            Partitioner = Partitioner.Murmur2Random,
            BatchNumMessages = 10_000,
            DeliveryReportFields = "status",
        }).Build();
        for (var i = 0; i < count; i++)
        {
            var usage = Pipeline.Event($"bench-{((i * 2) + producer) % 1_000}", i);
            while (true)
            {
                try
                {
                    kafka.Produce(topic, new Message<string, byte[]> { Key = usage.TenantId, Value = usage.ToByteArray() });
                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    kafka.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        kafka.Flush(TimeSpan.FromSeconds(60));
    }
}
