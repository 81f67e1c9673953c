using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Mesh.Metering.Kafka;

namespace Mesh.Telemetry.Ingest.Kafka;

/// <summary>
/// Sends records the ingestor cannot store to the dead-letter topic, unchanged (key, value,
/// headers) plus the reason and where they came from, and waits until Kafka has them.
/// </summary>
public sealed class DeadLetterProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly string _topic;

    public DeadLetterProducer(string bootstrapServers, string topic, IReadOnlyDictionary<string, string> settings, ILogger logger)
    {
        _topic = topic;
        var config = new ProducerConfig(new Dictionary<string, string>(settings))
        {
            BootstrapServers = bootstrapServers,
            ClientId = "mesh-telemetry-dead-letters",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 5,
        };
        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => KafkaLog.Write(logger, message))
            .Build();
    }

    /// <summary>Completes when every letter is acknowledged; throws if any was not (the caller retries them all).</summary>
    public async Task SendAsync(IReadOnlyList<(ConsumeResult<byte[], byte[]> Source, string Reason)> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letters);
        var deliveries = new List<Task>(letters.Count);
        foreach (var (source, reason) in letters)
        {
            var headers = new Headers();
            foreach (var header in source.Message.Headers ?? [])
            {
                headers.Add(header.Key, header.GetValueBytes());
            }

            headers.Add(UsageTopic.DeadLetterReasonHeader, Encoding.UTF8.GetBytes(reason));
            headers.Add(UsageTopic.DeadLetterSourceHeader, Encoding.UTF8.GetBytes(
                string.Create(CultureInfo.InvariantCulture, $"{source.Topic}/{source.Partition.Value}/{source.Offset.Value}")));
            deliveries.Add(_producer.ProduceAsync(_topic, new Message<byte[], byte[]> { Key = source.Message.Key, Value = source.Message.Value, Headers = headers }, cancellationToken));
        }

        await Task.WhenAll(deliveries);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }
}
