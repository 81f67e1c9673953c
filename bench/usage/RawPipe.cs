using System.Diagnostics;
using Confluent.Kafka;
using Google.Protobuf;
using Mesh.DevServers;

namespace Mesh.Bench;

/// <summary>
/// A ceiling the usage path is judged against, measured in the same run: the same events from
/// the same number of producers through the same broker to one consumer, configured as the
/// ingestor's, that only counts them: no decoding, pricing or store after Kafka. The producers
/// are either Mesh's own (<see cref="Producers.Mesh"/>: buffer, spool, shipper and Kafka
/// producer, as in the pipeline) or bare Kafka producers configured as Mesh's (<see cref="Producers.Bare"/>:
/// idempotent, acks=all, same linger and partitioner). Like the ingestor, the consumer runs for
/// the whole bench, so a round never waits for it to join its group.
/// </summary>
internal sealed class RawPipe : IDisposable
{
    private readonly string _bootstrap;
    private readonly string _topic;
    private readonly Producers _producers;
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _counting;
    private long _consumed;

    private RawPipe(string bootstrap, string topic, Producers producers, IConsumer<Ignore, byte[]> consumer)
    {
        _bootstrap = bootstrap;
        _topic = topic;
        _producers = producers;
        _consumer = consumer;
        _counting = Task.Factory.StartNew(Count, TaskCreationOptions.LongRunning);
    }

    /// <summary>Which producers publish the events.</summary>
    public enum Producers
    {
        /// <summary>Mesh's usage pipeline (<see cref="Pipeline"/>), as in the measured path.</summary>
        Mesh,

        /// <summary>Kafka producers alone, with Mesh's producer settings.</summary>
        Bare,
    }

    /// <summary>When a round's first event was consumed, when its producers had flushed, when its last event was consumed.</summary>
    public readonly record struct Timings(TimeSpan FirstConsumed, TimeSpan Produced, TimeSpan Total);

    public static async Task<RawPipe> StartAsync(LocalKafkaBroker broker, int partitions, Producers producers)
    {
        ArgumentNullException.ThrowIfNull(broker);
        var topic = $"raw-pipe-{producers.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}";
        await broker.CreateTopicAsync(topic, partitions);
        var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.Bootstrap,
            GroupId = topic,
            GroupProtocol = GroupProtocol.Classic,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Subscribe(topic);
        return new RawPipe(broker.Bootstrap, topic, producers, consumer);
    }

    public async Task<Timings> RunAsync(int events, int producers, CancellationToken cancellationToken)
    {
        var start = Interlocked.Read(ref _consumed);
        var clock = Stopwatch.StartNew();
        var firstConsumed = TimeSpan.Zero;
        var producing = _producers == Producers.Mesh ? PublishThroughMeshAsync(events, producers, cancellationToken) : PublishBareAsync(events, producers, cancellationToken);
        var produced = TimeSpan.Zero;
        while (Interlocked.Read(ref _consumed) - start < events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"the raw pipe consumed {Interlocked.Read(ref _consumed) - start} of {events} events in 120 s");
            }

            if (firstConsumed == TimeSpan.Zero && Interlocked.Read(ref _consumed) > start)
            {
                firstConsumed = clock.Elapsed;
            }

            if (produced == TimeSpan.Zero && producing.IsCompleted)
            {
                await producing;
                produced = clock.Elapsed;
            }

            await Task.Delay(1, cancellationToken);
        }

        var total = clock.Elapsed;
        await producing;
        return new Timings(firstConsumed, produced == TimeSpan.Zero ? total : produced, total);
    }

    private async Task PublishThroughMeshAsync(int events, int producers, CancellationToken cancellationToken)
    {
        var pipelines = Enumerable.Range(0, producers).Select(_ => new Pipeline(_bootstrap, Pipeline.ThroughputMaxBatch, _topic)).ToList();
        try
        {
            await Task.WhenAll(pipelines.Select((p, i) => p.PublishAsync(events / producers, i, "bench", cancellationToken)));
        }
        finally
        {
            // Disposing waits until the shipper has every event in Kafka.
            foreach (var pipeline in pipelines)
            {
                await pipeline.DisposeAsync();
            }
        }
    }

    private async Task PublishBareAsync(int events, int producers, CancellationToken cancellationToken)
    {
        var kafka = Enumerable.Range(0, producers).Select(_ => Producer()).ToList();
        try
        {
            await Task.WhenAll(kafka.Select((k, p) => Task.Run(() => Produce(k, events / producers, p), cancellationToken)));
        }
        finally
        {
            kafka.ForEach(k => k.Dispose());
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _counting.Wait(TimeSpan.FromSeconds(10));
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Count()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null })
            {
                Interlocked.Increment(ref _consumed);
            }
        }
    }

    private IProducer<string, byte[]> Producer() => new ProducerBuilder<string, byte[]>(new ProducerConfig
    {
        BootstrapServers = _bootstrap,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 5,
        Partitioner = Partitioner.Murmur2Random,
        BatchNumMessages = 10_000,
        DeliveryReportFields = "status",
    }).Build();

    private void Produce(IProducer<string, byte[]> kafka, int count, int producer)
    {
        for (var i = 0; i < count; i++)
        {
            var usage = Pipeline.Event($"bench-{((i * 2) + producer) % 1_000}", i);
            while (true)
            {
                try
                {
                    kafka.Produce(_topic, new Message<string, byte[]> { Key = usage.TenantId, Value = usage.ToByteArray() });
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
