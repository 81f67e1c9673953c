using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Distributed.Tests.Support;

/// <summary>
/// A service's usage pipeline as production runs it (bounded buffer, shipper, Kafka producer)
/// publishing a known load, so the stored totals can be checked exactly.
/// </summary>
public sealed class UsageLoad : IAsyncDisposable
{
    /// <summary>Prices in the default list: embeddings cost 0.02 USD per million input tokens, a calculator call 0.0001 USD.</summary>
    private const decimal EmbeddingPerToken = 0.02m / 1_000_000m;
    private const decimal CalculatorCall = 0.0001m;

    private readonly UsageBuffer _buffer;
    private readonly KafkaUsageSink _sink;
    private readonly UsageShipper _shipper;
    private long _published;
    private decimal _expectedCost;

    public UsageLoad(string bootstrap, string topic)
    {
        var usage = Options.Create(new UsageOptions { BufferCapacity = 50_000, MaxBatchSize = 2_000, FlushInterval = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromSeconds(1) });
        _buffer = new UsageBuffer(usage, TimeProvider.System);
        _sink = new KafkaUsageSink(bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic, DeliveryTimeout = TimeSpan.FromSeconds(20) }), new MeshServiceInfo("tests"), NullLogger<KafkaUsageSink>.Instance);
        _shipper = new UsageShipper(_buffer, _sink, usage, TimeProvider.System, NullLogger<UsageShipper>.Instance);
    }

    public long Published => Interlocked.Read(ref _published);

    public decimal ExpectedCost => _expectedCost;

    public Task StartAsync() => _shipper.StartAsync(CancellationToken.None);

    /// <summary>Publishes <paramref name="count"/> events at about <paramref name="perSecond"/>, calling <paramref name="progress"/> every 1,000.</summary>
    public async Task PublishAsync(int count, int perSecond, Func<long, Task>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var usageEvent = Next(i);
            await _buffer.PublishAsync(usageEvent, CancellationToken.None);
            Interlocked.Increment(ref _published);
            if (i % 1_000 == 999)
            {
                if (progress is not null)
                {
                    await progress(Published);
                }

                var due = TimeSpan.FromSeconds((i + 1) / (double)perSecond);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }
            }
        }
    }

    /// <summary>Flushes the buffer (the shipper delivers what is left) and waits for Kafka's acknowledgements.</summary>
    public Task FlushAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        return _shipper.StopAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _shipper.StopAsync(CancellationToken.None);
        _shipper.Dispose();
        _sink.Dispose();
    }

    private UsageEvent Next(int i)
    {
        var usageEvent = new UsageEvent
        {
            EventId = Guid.CreateVersion7().ToString(),
            OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow),
            TenantId = $"tenant-{i % 37}",
            PrincipalId = $"user-{i % 11}",
            Service = "inference",
            BatchSize = 1,
            Status = UsageStatus.Ok,
            TraceId = ActivityTraceId.CreateRandom().ToHexString(),
        };
        if (i % 4 == 0)
        {
            usageEvent.Kind = UsageKind.ToolCall;
            usageEvent.Resource = "calculator";
            _expectedCost += CalculatorCall;
        }
        else
        {
            usageEvent.Kind = UsageKind.Embedding;
            usageEvent.Resource = "all-MiniLM-L6-v2";
            usageEvent.InputTokens = 1 + (i % 500);
            _expectedCost += usageEvent.InputTokens * EmbeddingPerToken;
        }

        return usageEvent;
    }
}
