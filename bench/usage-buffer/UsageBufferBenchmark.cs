using System.Diagnostics;
using Mesh.Metering;
using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>
/// The cost of metering on the request path: how long publishing one usage event takes while
/// the shipper drains the buffer in batches to a sink that only counts.
/// </summary>
public sealed class UsageBufferBenchmark : IBenchmark
{
    private const int Events = 1_000_000;

    public string Name => "usage-buffer";

    public string Description => "usage event publish cost on the request path and buffer-to-sink throughput";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var folder = Path.Combine(Path.GetTempPath(), $"mesh-bench-spool-{Guid.NewGuid():N}");
        try
        {
            report.Note($"{Events} events through a 100000-event buffer in batches of 1000, spooled to {folder} (fsync every second), as by default");
            using (var spool = new UsageSpool(Options.Create(new SpoolOptions { Directory = folder }), new MeshServiceInfo("bench"), TimeProvider.System, NullLogger<UsageSpool>.Instance))
            {
                await RunOnceAsync(report, "", spool, cancellationToken);
            }

            report.Note("the same without the spool (the in-memory buffer alone: what a crash would lose)");
            await RunOnceAsync(report, "_no_spool", null, cancellationToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunOnceAsync(BenchReport report, string suffix, UsageSpool? spool, CancellationToken cancellationToken)
    {
        var options = Options.Create(new UsageOptions { BufferCapacity = 100_000, MaxBatchSize = 1_000 });
        using var buffer = new UsageBuffer(options, TimeProvider.System, spool);
        var sink = new CountingSink();
        using var shipper = new UsageShipper(buffer, sink, options, TimeProvider.System, NullLogger<UsageShipper>.Instance, spool);
        await shipper.StartAsync(cancellationToken);

        var template = new UsageEvent { TenantId = "acme", Service = "inference", Kind = UsageKind.Embedding, Resource = "all-MiniLM-L6-v2", InputTokens = 13 };
        // Publishing takes about a Stopwatch tick, so time groups of events and divide.
        const int Group = 1_000;
        var publishNanos = new double[Events / Group];
        var total = Stopwatch.StartNew();
        for (var g = 0; g < publishNanos.Length; g++)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < Group; i++)
            {
                var usageEvent = template.Clone();
                usageEvent.EventId = Guid.CreateVersion7().ToString();
                await buffer.PublishAsync(usageEvent, cancellationToken);
            }

            publishNanos[g] = Stopwatch.GetElapsedTime(started).TotalNanoseconds / Group;
        }

        await shipper.StopAsync(cancellationToken);
        total.Stop();
        Array.Sort(publishNanos);
        report.Figure($"usage_publish{suffix}_p50_ns", BenchReport.Percentile(publishNanos, 50));
        report.Figure($"usage_publish{suffix}_p99_ns", BenchReport.Percentile(publishNanos, 99));
        report.Figure($"usage_buffer{suffix}_events_per_s", sink.Count / total.Elapsed.TotalSeconds, "0");
        report.Figure($"usage_delivered{suffix}_ratio", (double)sink.Count / Events);
    }

    private sealed class CountingSink : IUsageSink
    {
        public long Count { get; private set; }

        public Task<UsageDelivery> DeliverAsync(IReadOnlyList<UsageEvent> batch, CancellationToken cancellationToken)
        {
            Count += batch.Count;
            return Task.FromResult(new UsageDelivery(batch.Count, 0, []));
        }
    }
}
