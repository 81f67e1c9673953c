using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Metering.Kafka;

/// <summary>
/// Delivers usage batches to Kafka: the process's one idempotent producer (acks=all), keyed
/// by tenant, protobuf values (with trace context headers when <see cref="KafkaUsageOptions.Headers"/> is on). A batch counts as delivered when
/// Kafka acknowledged every event of it; otherwise it fails and the shipper retries it whole
/// (the ingestor keeps one copy per event id). The request path never waits on this: events
/// reach it through the bounded <see cref="UsageBuffer"/>.
/// </summary>
public sealed partial class KafkaUsageSink : IUsageSink, IDisposable
{
    private static readonly byte[] ContentType = Encoding.ASCII.GetBytes(UsageTopic.ContentType);
    private readonly KafkaUsageOptions _options;
    private readonly ProducerConfig _config;
    private readonly ILogger<KafkaUsageSink> _logger;
    private readonly Lock _gate = new();
    private IProducer<string, byte[]>? _producer;

    public KafkaUsageSink(string bootstrapServers, IOptions<KafkaUsageOptions> options, MeshServiceInfo service, ILogger<KafkaUsageSink> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        _options = options.Value;
        _logger = logger;
        _config = new ProducerConfig(new Dictionary<string, string>(_options.Producer))
        {
            BootstrapServers = bootstrapServers,
            ClientId = $"mesh-{service.Name}",
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = _options.Linger.TotalMilliseconds,
            MessageTimeoutMs = (int)_options.DeliveryTimeout.TotalMilliseconds,
            // The Java client's partitioner, so every client maps a tenant to the same partition.
            Partitioner = Partitioner.Murmur2Random,
            BatchNumMessages = 10_000,
            // A batch needs only whether each event was delivered: copying each event's key,
            // value and headers back into its delivery report is work for nothing.
            DeliveryReportFields = "status",
        };
        foreach (var (key, value) in _options.Producer)
        {
            _config.Set(key, value);
        }
    }

    public Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return DeliverAsync([.. batch.Select(e => new EncodedUsage(e))], firstSend: false, cancellationToken);
    }

    /// <summary>
    /// Events serialized already (by the spool) go as those bytes; the rest are serialized here.
    /// A first send sets each event's <see cref="UsageEvent.FirstSend"/>.
    /// </summary>
    public async Task<UsageDelivery> DeliverAsync(IReadOnlyList<EncodedUsage> batch, bool firstSend, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return new UsageDelivery(0, 0, []);
        }

        var producer = Producer();
        var delivery = new BatchDelivery(batch.Count);
        try
        {
            foreach (var usage in batch)
            {
                await ProduceAsync(producer, Message(usage, firstSend), usage, delivery, cancellationToken);
            }
        }
        catch (KafkaException ex) when (ex.Error.IsFatal)
        {
            ReplaceProducer(producer, ex.Error);
            throw;
        }

        var rejected = await delivery.Task.WaitAsync(cancellationToken);
        if (delivery.RefusedUnknown is { } refused)
        {
            // Kafka refused a record of the batch after taking it (the report does not say which):
            // the shipper delivers the halves, down to the event refused alone.
            if (batch.Count > 1)
            {
                throw new UsageRefusedException(refused);
            }

            rejected = [(batch[0].Event.EventId, refused)];
        }

        return new UsageDelivery(batch.Count - rejected.Count, 0, rejected);
    }

    /// <summary>Errors Kafka gives for a message itself (too large, malformed): producing it again cannot succeed.</summary>
    private static bool RefusesTheMessage(ErrorCode code) => code is ErrorCode.MsgSizeTooLarge
        or ErrorCode.InvalidMsg or ErrorCode.InvalidMsgSize or ErrorCode.RecordListTooLarge or ErrorCode.InvalidRecord;

    /// <summary>Waits for what is still queued (bounded), then closes the producer.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_producer is null)
            {
                return;
            }

            var left = _producer.Flush(_options.DeliveryTimeout);
            if (left > 0)
            {
                LogUnflushed(_logger, left);
            }

            _producer.Dispose();
            _producer = null;
        }
    }

    private Message<string, byte[]> Message(EncodedUsage usage, bool firstSend) => new()
    {
        Key = usage.TenantId,
        Value = firstSend ? usage.ToFirstSendByteArray() : usage.ToByteArray(),
        Headers = _options.Headers ? TraceHeaders(usage.Event) : null,
    };

    private static Headers TraceHeaders(UsageEvent usageEvent)
    {
        var headers = new Headers
        {
            { UsageTopic.ContentTypeHeader, ContentType },
            { UsageTopic.EventIdHeader, Encoding.ASCII.GetBytes(usageEvent.EventId) },
        };
        if (TraceParent(usageEvent) is { } traceParent)
        {
            headers.Add(UsageTopic.TraceParentHeader, Encoding.ASCII.GetBytes(traceParent));
        }

        return headers;
    }

    /// <summary>
    /// W3C trace context continuing the trace of the request that did the work. The event
    /// stands as the parent span: its id is derived from the event id, stable across retries.
    /// </summary>
    private static string? TraceParent(UsageEvent usageEvent)
    {
        if (usageEvent.TraceId.Length != 32 || !Guid.TryParse(usageEvent.EventId, out var eventId))
        {
            return null;
        }

        try
        {
            var traceId = ActivityTraceId.CreateFromString(usageEvent.TraceId);
            Span<byte> bytes = stackalloc byte[16];
            eventId.TryWriteBytes(bytes);
            var spanId = ActivitySpanId.CreateFromBytes(bytes[8..]);
            return $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01";
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Hands one event to the producer; completes at once unless librdkafka's queue is full.</summary>
    private ValueTask ProduceAsync(IProducer<string, byte[]> producer, Message<string, byte[]> message, EncodedUsage usage, BatchDelivery delivery, CancellationToken cancellationToken) =>
        TryProduce(producer, message, usage, delivery)
            ? ValueTask.CompletedTask
            : WaitAndProduceAsync(producer, message, usage, delivery, cancellationToken);

    private async ValueTask WaitAndProduceAsync(IProducer<string, byte[]> producer, Message<string, byte[]> message, EncodedUsage usage, BatchDelivery delivery, CancellationToken cancellationToken)
    {
        for (var wait = 1; ; wait = Math.Min(wait * 2, 100))
        {
            // librdkafka's own queue is full (Kafka slow or away): wait for room.
            await Task.Delay(wait, cancellationToken);
            if (TryProduce(producer, message, usage, delivery))
            {
                return;
            }
        }
    }

    /// <summary>False when librdkafka's queue is full; a message Kafka can never take is reported refused.</summary>
    private bool TryProduce(IProducer<string, byte[]> producer, Message<string, byte[]> message, EncodedUsage usage, BatchDelivery delivery)
    {
        try
        {
            // One handler for the whole batch: a report only counts, so no delegate per record.
            producer.Produce(_options.Topic, message, delivery.Handler);
            return true;
        }
        catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            return false;
        }
        catch (ProduceException<string, byte[]> ex) when (RefusesTheMessage(ex.Error.Code))
        {
            delivery.Refused(usage.Event.EventId, ex.Error);
            return true;
        }
    }

    private IProducer<string, byte[]> Producer()
    {
        lock (_gate)
        {
            return _producer ??= new ProducerBuilder<string, byte[]>(_config)
                .SetErrorHandler((_, error) => LogProducerError(_logger, error.Code, error.Reason, error.IsFatal))
                .SetLogHandler((_, message) => KafkaLog.Write(_logger, message))
                .Build();
        }
    }

    private void ReplaceProducer(IProducer<string, byte[]> failed, Error error)
    {
        LogFatal(_logger, error.Reason);
        lock (_gate)
        {
            if (ReferenceEquals(_producer, failed))
            {
                _producer = null;
            }
        }

        failed.Dispose();
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Kafka usage producer: {Code} {Reason} (fatal: {Fatal})")]
    private static partial void LogProducerError(ILogger logger, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Kafka usage producer failed fatally ({Reason}); a new producer takes over and the batch is retried")]
    private static partial void LogFatal(ILogger logger, string reason);

    [LoggerMessage(EventId = 112, Level = LogLevel.Critical, Message = "Kafka usage producer closed with {Count} events not acknowledged")]
    private static partial void LogUnflushed(ILogger logger, int count);

    /// <summary>
    /// Completes when Kafka has answered for every event of a batch, with the events it refused
    /// as messages (too large, malformed); fails if any other event was not delivered. One
    /// instance and one handler serve the whole batch.
    /// </summary>
    private sealed class BatchDelivery
    {
        private readonly TaskCompletionSource<IReadOnlyList<(string EventId, string Reason)>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string EventId, string Reason)> _refused = new();
        private int _left;
        private Error? _failure;
        private string? _refusedUnknown;

        public BatchDelivery(int count)
        {
            _left = count;
            Handler = report => Report(report.Error);
        }

        public Task<IReadOnlyList<(string EventId, string Reason)>> Task => _done.Task;

        /// <summary>The delivery report handler every record of the batch shares.</summary>
        public Action<DeliveryReport<string, byte[]>> Handler { get; }

        /// <summary>Why Kafka refused a record it had taken (which one the report does not say), or null.</summary>
        public string? RefusedUnknown => Volatile.Read(ref _refusedUnknown);

        /// <summary>The producer refused <paramref name="eventId"/> as it was handed over.</summary>
        public void Refused(string eventId, Error error)
        {
            _refused.Enqueue((eventId, Reason(error)));
            Answered();
        }

        /// <summary>Runs on the producer's delivery thread: only counts and completes.</summary>
        private void Report(Error error)
        {
            if (error.IsError && RefusesTheMessage(error.Code))
            {
                Interlocked.CompareExchange(ref _refusedUnknown, Reason(error), null);
            }
            else if (error.IsError)
            {
                Interlocked.CompareExchange(ref _failure, error, null);
            }

            Answered();
        }

        private void Answered()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                if (_failure is { } failure)
                {
                    _done.TrySetException(new KafkaException(failure));
                }
                else
                {
                    _done.TrySetResult([.. _refused]);
                }
            }
        }

        private static string Reason(Error error) => $"Kafka refused the message: {error.Code} {error.Reason}";
    }
}
