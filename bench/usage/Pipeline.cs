using Google.Protobuf.WellKnownTypes;
using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>
/// One service's usage pipeline as it runs in distributed mode: the spool (on, as by default,
/// in a folder of its own), buffer, shipper, one Kafka producer.
/// </summary>
internal sealed class Pipeline : IAsyncDisposable
{
    private const int Producers = 2;

    /// <summary>The shipper's batch size in the throughput rounds.</summary>
    public const int ThroughputMaxBatch = 5_000;
    private readonly KafkaUsageSink _sink;
    private readonly UsageShipper _shipper;
    private readonly UsageSpool _spool;

    public Pipeline(string bootstrap, int maxBatch, string topic = UsageTopic.Name)
    {
        var options = Options.Create(new UsageOptions { BufferCapacity = 100_000, MaxBatchSize = maxBatch });
        _spool = new UsageSpool(Options.Create(new SpoolOptions { Directory = Path.Combine(Path.GetTempPath(), $"mesh-bench-spool-{Guid.NewGuid():N}") }),
            new MeshServiceInfo("bench"), TimeProvider.System, NullLogger<UsageSpool>.Instance);
        Buffer = new UsageBuffer(options, TimeProvider.System, _spool);
        _sink = new KafkaUsageSink(bootstrap, Options.Create(new KafkaUsageOptions { Topic = topic }), new MeshServiceInfo("bench"), NullLogger<KafkaUsageSink>.Instance);
        _shipper = new UsageShipper(Buffer, _sink, options, TimeProvider.System, NullLogger<UsageShipper>.Instance, _spool);
        _shipper.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public UsageBuffer Buffer { get; }

    public async Task PublishAsync(int count, int producer, string tenantPrefix, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await Buffer.PublishAsync(Event($"{tenantPrefix}-{((i * Producers) + producer) % 1_000}", i), cancellationToken);
        }
    }

    public async Task PublishPacedAsync(int perSecond, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            for (var i = 0; ; i++)
            {
                await Buffer.PublishAsync(Event($"load-{i % 1_000}", i), cancellationToken);
                if (i % 100 == 99)
                {
                    var due = TimeSpan.FromSeconds((i + 1) / (double)perSecond);
                    if (due > clock.Elapsed)
                    {
                        await Task.Delay(due - clock.Elapsed, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Load stopped.
        }
    }

    public async Task<string> PublishProbeAsync(CancellationToken cancellationToken)
    {
        var probe = Event("probe", 0);
        await Buffer.PublishAsync(probe, cancellationToken);
        return probe.EventId;
    }

    public async ValueTask DisposeAsync()
    {
        await _shipper.StopAsync(CancellationToken.None);
        _shipper.Dispose();
        _sink.Dispose();
        Buffer.Dispose();
        _spool.Dispose();
        Directory.Delete(_spool.Root, recursive: true);
    }

    public static UsageEvent Event(string tenant, int i) => new()
    {
        EventId = UsageEventIds.New(DateTimeOffset.UtcNow),
        OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow),
        TenantId = tenant,
        PrincipalId = "user-1",
        Service = "inference",
        Kind = UsageKind.Embedding,
        Resource = "all-MiniLM-L6-v2",
        ResourceVersion = "1",
        Device = "cpu",
        InputTokens = 13 + (i % 100),
        ComputeMs = 7.5,
        TotalMs = 8,
        BatchSize = 1,
        Status = UsageStatus.Ok,
        TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
    };
}
