using System.Diagnostics;
using System.Globalization;
using Mesh.DevServers;
using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Usage.V1;

namespace Mesh.Bench;

/// <summary>
/// Distributed mode's usage path end to end on this machine: producers (the services' usage
/// pipeline: buffer, shipper, idempotent Kafka producer) to the Kafka mock broker, telemetry's
/// ingestor (a real process) into ClickHouse. Starts every server it needs and stops them.
/// Arguments: the sections to run (<c>throughput</c>, <c>latency</c>, <c>overhead</c>), all by default.
/// </summary>
public sealed class UsageBenchmark(string[] args) : IBenchmark
{
    private const string Database = "mesh";
    // The mock broker keeps about 5 MiB per partition (~13k events of ~400 B): over 128
    // partitions, what the ingestor has not read yet stays within it even if it fell 1M events behind.
    private const int Partitions = 128;
    private const int ThroughputEvents = 800_000;
    private const int WarmUpEvents = 200_000;
    private const int WarmUpRounds = 3;
    private const int MeasuredRounds = 5;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);
    private const int Producers = 2;

    public string Name => "usage";

    public string Description => "Kafka -> ClickHouse usage: throughput, event-to-queryable latency, request-path overhead";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var clickHouse = await LocalClickHouse.StartAsync(cancellationToken);
        using var broker = await LocalKafkaBroker.StartAsync($"{UsageTopic.Name}:{Partitions},{UsageTopic.DeadLetterName}:2");
        using var ingestor = StartIngestor(clickHouse, broker);
        await ingestor.WaitForLineAsync(line => line.Contains("Assigned", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        report.Note($"servers up: ClickHouse :{clickHouse.HttpPort} (data in {clickHouse.DirectoryPath}), Kafka mock {broker.Bootstrap} ({Partitions} partitions), ingestor pid {ingestor.Id}");

        if (Runs("throughput"))
        {
            await ThroughputAsync(report, clickHouse, broker, cancellationToken);
        }

        if (Runs("latency"))
        {
            await LatencyAsync(report, clickHouse, broker, cancellationToken);
        }

        if (Runs("overhead"))
        {
            await OverheadAsync(report, broker, cancellationToken);
        }
        if (Environment.GetEnvironmentVariable("MESH_BENCH_INGESTOR_LOG") is { Length: > 0 } log)
        {
            await File.WriteAllTextAsync(log, ingestor.Output, cancellationToken);
        }
    }

    private bool Runs(string section) => args.Length == 0 || args.Contains(section, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Producers publish as fast as they can; the clock stops when the last row is queryable.
    /// Unmeasured rounds of each first let the JIT of the ingestor and of the producers reach
    /// their steady, optimized code, as in a long-running service; then the pipeline and the two
    /// ceilings take turns, so a machine that slows down or speeds up meanwhile weighs on all
    /// three, and the figures are the medians of the rounds. The raw pipe is the ceiling of the
    /// aim: the same producers (Mesh's) and consumer through the same broker, with no decoding,
    /// pricing or store. Bare Kafka also leaves out Mesh's producer side (buffer, spool, shipper).
    /// </summary>
    private static async Task ThroughputAsync(BenchReport report, LocalClickHouse clickHouse, LocalKafkaBroker broker, CancellationToken cancellationToken)
    {
        using var rawPipe = await RawPipe.StartAsync(broker, Partitions, RawPipe.Producers.Mesh);
        using var bareKafka = await RawPipe.StartAsync(broker, Partitions, RawPipe.Producers.Bare);
        for (var round = 1; round <= WarmUpRounds; round++)
        {
            var warmUp = await PublishAndDrainAsync(report, clickHouse, broker, WarmUpEvents, cancellationToken);
            var rawWarmUp = await rawPipe.RunAsync(WarmUpEvents, Producers, cancellationToken);
            var bareWarmUp = await bareKafka.RunAsync(WarmUpEvents, Producers, cancellationToken);
            report.Note($"warm-up {round}: {WarmUpEvents} events queryable after {warmUp.Queryable.TotalSeconds:0.00} s, "
                + $"through the raw pipe after {rawWarmUp.Total.TotalSeconds:0.00} s, through bare Kafka after {bareWarmUp.Total.TotalSeconds:0.00} s");
        }

        var pipelineRates = new List<double>();
        var publishRates = new List<double>();
        var (rawRates, rawRatios) = (new List<double>(), new List<double>());
        var (bareRates, bareRatios) = (new List<double>(), new List<double>());
        long stored = 0;
        for (var round = 1; round <= MeasuredRounds; round++)
        {
            var run = await PublishAndDrainAsync(report, clickHouse, broker, ThroughputEvents, cancellationToken);
            stored += run.Stored;
            var raw = await CeilingAsync(report, "raw pipe", rawPipe, cancellationToken);
            var bare = await CeilingAsync(report, "bare Kafka", bareKafka, cancellationToken);
            report.Note($"round {round}: {ThroughputEvents} events from {Producers} producers published in {run.Published.TotalSeconds:0.00} s, all queryable after {run.Queryable.TotalSeconds:0.00} s; "
                + $"consumed through the raw pipe (Mesh's producers, a consumer that only counts) after {raw.TotalSeconds:0.00} s, through bare Kafka after {bare.TotalSeconds:0.00} s");
            pipelineRates.Add(ThroughputEvents / run.Queryable.TotalSeconds);
            publishRates.Add(ThroughputEvents / run.Published.TotalSeconds);
            rawRates.Add(ThroughputEvents / raw.TotalSeconds);
            rawRatios.Add(raw.TotalSeconds / run.Queryable.TotalSeconds);
            bareRates.Add(ThroughputEvents / bare.TotalSeconds);
            bareRatios.Add(bare.TotalSeconds / run.Queryable.TotalSeconds);
        }

        report.Note($"per round: events/s {BenchReport.Join(pipelineRates, "0")}; raw pipe events/s {BenchReport.Join(rawRates, "0")}; ratio {BenchReport.Join(rawRatios, "0.00")}; "
            + $"bare Kafka events/s {BenchReport.Join(bareRates, "0")}; ratio {BenchReport.Join(bareRatios, "0.00")}");
        report.Figure("events_stored_ratio", stored / (double)(ThroughputEvents * MeasuredRounds), "0.000000");
        report.Figure("events_per_s", BenchReport.Median(pipelineRates), "0");
        report.Figure("publish_events_per_s", BenchReport.Median(publishRates), "0");
        report.Figure("raw_pipe_events_per_s", BenchReport.Median(rawRates), "0");
        report.Figure("events_vs_raw_pipe_ratio", BenchReport.Median(rawRatios), "0.00");
        report.Figure("bare_kafka_events_per_s", BenchReport.Median(bareRates), "0");
        report.Figure("events_vs_bare_kafka_ratio", BenchReport.Median(bareRatios), "0.00");
    }

    private static async Task<TimeSpan> CeilingAsync(BenchReport report, string name, RawPipe pipe, CancellationToken cancellationToken)
    {
        var cpu = CpuMeter.Start();
        var gc = GcCounts.Start();
        var timings = await pipe.RunAsync(ThroughputEvents, Producers, cancellationToken);
        report.Note($"{name} {cpu.Summary()}; {gc.Summary()}; first event consumed after {timings.FirstConsumed.TotalSeconds:0.00} s, producers flushed after {timings.Produced.TotalSeconds:0.00} s");
        return timings.Total;
    }

    private static async Task<(TimeSpan Published, TimeSpan Queryable, long Stored)> PublishAndDrainAsync(
        BenchReport report, LocalClickHouse clickHouse, LocalKafkaBroker broker, int events, CancellationToken cancellationToken)
    {
        var pipelines = Enumerable.Range(0, Producers).Select(_ => new Pipeline(broker.Bootstrap, Pipeline.ThroughputMaxBatch)).ToList();
        var before = await CountAsync(clickHouse, cancellationToken);
        var cpu = CpuMeter.Start();
        var gc = GcCounts.Start();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(pipelines.Select((p, i) => p.PublishAsync(events / Producers, i, "bench", cancellationToken)));
        var published = clock.Elapsed;
        var publishCpu = cpu.Summary();
        long stored;
        while ((stored = await CountAsync(clickHouse, cancellationToken) - before) < events && clock.Elapsed < published + DrainTimeout)
        {
            await Task.Delay(20, cancellationToken);
        }

        var queryable = clock.Elapsed;
        report.Note($"{events} events: while publishing {publishCpu}; to queryable {cpu.Summary()}; {gc.Summary()}");
        foreach (var pipeline in pipelines)
        {
            await pipeline.DisposeAsync();
        }

        return (published, queryable, stored);
    }

    /// <summary>Under a steady background load, probe events are timed from publish until a query sees them.</summary>
    private static async Task LatencyAsync(BenchReport report, LocalClickHouse clickHouse, LocalKafkaBroker broker, CancellationToken cancellationToken)
    {
        const int BackgroundPerSecond = 20_000;
        const int Probes = 150;
        await using var pipeline = new Pipeline(broker.Bootstrap, maxBatch: 500);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var background = pipeline.PublishPacedAsync(BackgroundPerSecond, stop.Token);

        var pending = new Dictionary<string, long>();
        var latencies = new List<double>();
        var nextProbe = Stopwatch.GetTimestamp();
        var sent = 0;
        while (latencies.Count < Probes && sent - latencies.Count < Probes * 2)
        {
            if (sent < Probes && Stopwatch.GetTimestamp() >= nextProbe)
            {
                var id = await pipeline.PublishProbeAsync(cancellationToken);
                pending[id] = Stopwatch.GetTimestamp();
                sent++;
                nextProbe = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20);
            }

            if (pending.Count > 0)
            {
                var ids = string.Join(",", pending.Keys.Select(k => $"'{k}'"));
                var seen = await clickHouse.QueryAsync(
                    $"SELECT toString(event_id) FROM {Database}.usage_events WHERE tenant_id = 'probe' AND event_id IN ({ids}) FORMAT TSV", cancellationToken);
                var now = Stopwatch.GetTimestamp();
                foreach (var id in seen.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (pending.Remove(id, out var published))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(published, now).TotalMilliseconds);
                    }
                }
            }

            await Task.Delay(5, cancellationToken);
        }

        await stop.CancelAsync();
        await background;
        latencies.Sort();
        report.Note($"{latencies.Count} probe events under {BackgroundPerSecond} events/s of background load (shipper flush 200 ms, ingest batch delay 200 ms)");
        report.Figure("event_to_queryable_p50_ms", BenchReport.Percentile(latencies, 50), "0.0");
        report.Figure("event_to_queryable_p99_ms", BenchReport.Percentile(latencies, 99), "0.0");
    }

    /// <summary>
    /// A model call (fixed compute of about a decode step) with usage production on and off,
    /// in alternating blocks, while the pipeline ships to Kafka in the background.
    /// </summary>
    private static async Task OverheadAsync(BenchReport report, LocalKafkaBroker broker, CancellationToken cancellationToken)
    {
        const int Blocks = 40;
        const int CallsPerBlock = 250;
        await using var pipeline = new Pipeline(broker.Bootstrap, maxBatch: 500);
        var recorder = new UsageRecorder(pipeline.Buffer, new MeshServiceInfo("inference"), TimeProvider.System);
        var model = FakeModel.Calibrate(TimeSpan.FromMilliseconds(0.4));
        var off = new List<double>();
        var on = new List<double>();
        for (var block = 0; block < Blocks; block++)
        {
            var metered = block % 2 == 1;
            for (var i = 0; i < CallsPerBlock; i++)
            {
                var started = Stopwatch.GetTimestamp();
                if (metered)
                {
                    var usage = recorder.Start(UsageKind.ModelCall, "tiny-gpt", "1");
                    usage.TenantId = "acme";
                    usage.OutputTokens = model.Run();
                    usage.InputTokens = 12;
                    await recorder.RecordAsync(usage, cancellationToken);
                    on.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
                else
                {
                    model.Run();
                    off.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }
            }
        }

        off.Sort();
        on.Sort();
        report.Note($"model call ~{BenchReport.Percentile(off, 50):0} us of compute, {on.Count} calls each way, usage shipped to Kafka meanwhile");
        report.Figure("request_p50_us_off", BenchReport.Percentile(off, 50), "0.0");
        report.Figure("request_p50_us_on", BenchReport.Percentile(on, 50), "0.0");
        report.Figure("request_overhead_p50_ratio", BenchReport.Percentile(on, 50) / BenchReport.Percentile(off, 50));
        report.Figure("request_overhead_p99_ratio", BenchReport.Percentile(on, 99) / BenchReport.Percentile(off, 99));
    }

    private static ChildProcess StartIngestor(LocalClickHouse clickHouse, LocalKafkaBroker broker) =>
        ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Telemetry", typeof(UsageBenchmark).Assembly), [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = "http://127.0.0.1:0",
            ["Kestrel__Endpoints__health__Url"] = "http://127.0.0.1:0",
            ["Mesh__BootstrapApiKey"] = "bench-admin-key-0000000000000000",
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["ConnectionStrings__clickhouse"] = clickHouse.ConnectionString,
            ["ConnectionStrings__kafka"] = broker.Bootstrap,
            ["Mesh__Telemetry__Store"] = "clickhouse",
            ["Mesh__Telemetry__ClickHouseDatabase"] = Database,
            ["Mesh__Telemetry__MigrateOnStart"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Mesh.Telemetry.Ingest"] = Environment.GetEnvironmentVariable("MESH_BENCH_INGESTOR_LOG") is { Length: > 0 } ? "Debug" : "Information",
            ["OTEL_SDK_DISABLED"] = "true",
        });

    private static async Task<long> CountAsync(LocalClickHouse clickHouse, CancellationToken cancellationToken) =>
        long.Parse((await clickHouse.QueryAsync($"SELECT count() FROM {Database}.usage_events FORMAT TSV", cancellationToken)).Trim(), CultureInfo.InvariantCulture);
}
