using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Mesh.DevServers;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>
/// Analytics over 10 million events (a month, both stores): a cost breakdown by tenant and model,
/// an hourly time series, latency percentiles by model, a replay of the month under another
/// price list. Each query runs once to warm up, then three times; the median is printed.
/// Arguments: an event count (default 10000000).
/// </summary>
public sealed class AnalyticsBenchmark(string[] args) : IBenchmark
{
    private const int SliceEvents = 250_000;

    /// <summary>The queries run this many times over the same data (loading 10M events twice costs more than the queries).</summary>
    private const int Rounds = 2;
    private static readonly Caller Admin = new("bench", "system", PrincipalKind.User, IsAdmin: true);

    public string Name => "analytics";

    public string Description => "breakdowns, time series, percentiles and cost replay over a month of generated events on DuckDB and ClickHouse";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
        var label = events == 10_000_000 ? "10m" : $"{events}";
        var folder = Path.Combine(Path.GetTempPath(), "mesh-bench-analytics", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await using var server = await LocalClickHouse.StartAsync(cancellationToken);
        try
        {
            using var duckDb = new DuckDbUsageStore(Path.Combine(folder, "usage.duckdb"));
            var client = ClickHouseConnection.CreateClient(server.ConnectionString);
            await new ClickHouseMigrator(client, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync("bench", TimeSpan.FromSeconds(30), cancellationToken);
            using var clickHouse = new ClickHouseUsageStore(client, "bench", TimeProvider.System);

            var load = Stopwatch.StartNew();
            var duckDbLoad = TimeSpan.Zero;
            var clickHouseLoad = TimeSpan.Zero;
            var generator = new EventGenerator(seed: 42);
            var month = TimeSpan.FromDays(31);
            var slices = (events + SliceEvents - 1) / SliceEvents;
            for (var i = 0; i < slices; i++)
            {
                var count = Math.Min(SliceEvents, events - (i * SliceEvents));
                var slice = generator.Slice(EventGenerator.MonthStart + (month * i / slices), month / slices, count);
                var step = Stopwatch.StartNew();
                await duckDb.InsertAsync(slice, cancellationToken);
                duckDbLoad += step.Elapsed;
                step.Restart();
                foreach (var batch in slice.Chunk(50_000))
                {
                    await clickHouse.InsertAsync(batch, cancellationToken);
                }

                clickHouseLoad += step.Elapsed;
            }

            report.Note($"loaded {events} events in {load.Elapsed.TotalSeconds:0} s (DuckDB {duckDbLoad.TotalSeconds:0} s, ClickHouse {clickHouseLoad.TotalSeconds:0} s)");
            report.Figure($"load_{label}_duckdb_events_per_s", events / duckDbLoad.TotalSeconds, "0");
            report.Figure($"load_{label}_clickhouse_events_per_s", events / clickHouseLoad.TotalSeconds, "0");

            // The daily roll-ups are built off the insert path; here once, over everything loaded
            // (no insert is in flight, so ClickHouse's watermark needs no grace).
            foreach (var (store, name) in new (IUsageStore, string)[] { (duckDb, "duckdb"), (clickHouse, "clickhouse") })
            {
                var compaction = Stopwatch.StartNew();
                var done = await new RollupCompactor(store, TimeProvider.System).CompactAsync(TimeSpan.Zero, cancellationToken);
                report.Note($"{name}: roll-up batch {done.Batch} rebuilt {done.Days} days");
                report.Figure($"rollup_compaction_{label}_{name}_s", compaction.Elapsed.TotalSeconds, "0.00");
            }

            var window = new MetricsSpec { From = EventGenerator.MonthStart, To = EventGenerator.MonthStart.AddDays(31), Limit = 10_000 };
            var queries = new (string Name, MetricsSpec Spec)[]
            {
                ("breakdown", window with { GroupBy = ["tenant", "resource"], Metrics = ["events", "tokens", "cost_usd"] }),
                ("timeseries_hourly", window with { Bucket = TimeBucket.Hour, Metrics = ["events", "tokens", "cost_usd", "calls_per_s"] }),
                ("percentiles", window with
                {
                    GroupBy = ["resource"],
                    Filters = [("kind", "model_call")],
                    Metrics = ["p50_total_ms", "p90_total_ms", "p95_total_ms", "p99_total_ms", "p95_queue_ms", "p95_compute_ms", "p50_ttft_ms", "p95_ttft_ms", "p50_tpot_ms", "p95_tpot_ms"],
                }),
                ("breakdown_one_tenant", window with { TenantId = "tenant-00", GroupBy = ["resource"], Metrics = ["events", "tokens", "cost_usd"] }),
            };
            var replays = new Dictionary<string, double>();
            for (var round = 1; round <= Rounds; round++)
            {
                report.Note($"queries, round {round} of {Rounds}");
                foreach (var (store, name) in new (IUsageStore, string)[] { (duckDb, "duckdb"), (clickHouse, "clickhouse") })
                {
                    var engine = new MetricsEngine(store);
                    foreach (var (query, spec) in queries)
                    {
                        var ms = await MedianAsync(() => engine.RunAsync(spec, cancellationToken));
                        report.Figure($"{query}_{label}_{name}_ms", ms, "0");
                    }

                    var prices = round == 1 ? await PricesAsync(store, cancellationToken) : await ExistingPricesAsync(store, cancellationToken);
                    var replayer = new CostReplayer(store, prices, TimeProvider.System);
                    var request = new ReplayRequest
                    {
                        From = Timestamp.FromDateTime(window.From),
                        To = Timestamp.FromDateTime(window.To),
                        PriceListVersion = "april",
                        GroupBy = { "tenant", "workflow" },
                    };
                    replays[name] = await MedianAsync(() => replayer.ReplayAsync(request, Admin, cancellationToken)) / 1000;
                    report.Figure($"replay_{label}_{name}_s", replays[name], "0.00");
                }

                report.Figure($"replay_{label}_s", replays.Values.Max(), "0.00");
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // DuckDB may still hold the file a moment; the temp folder is cleaned later.
            }
        }
    }

    private static async Task<PriceBookProvider> PricesAsync(IUsageStore store, CancellationToken cancellationToken)
    {
        var options = new PricingOptions();
        var list = new PriceListOptions();
        options.Lists["base"] = list;
        foreach (var model in EventGenerator.Models)
        {
            list.Resources[model] = new Mesh.Pricing.ResourcePrice { InputPerMillionTokens = 0.05m, OutputPerMillionTokens = 0.2m, PerComputeSecond = 0.0001m };
        }

        list.Resources["calculator"] = new Mesh.Pricing.ResourcePrice { PerCall = 0.0001m };
        var provider = new PriceBookProvider(store, Options.Create(options), TimeProvider.System, NullLogger<PriceBookProvider>.Instance);
        await provider.StartAsync(cancellationToken);
        await provider.AddAsync(new DatedPriceList
        {
            Catalog = new PriceCatalog("april", EventGenerator.Models.Select(m => new PriceEntry { Resource = m, InputPerMillionTokens = 0.04m, OutputPerMillionTokens = 0.3m, CachedPerMillionTokens = 0.01m })
                .Append(new PriceEntry { Resource = "gpt-large", MinInputTokens = 2000, InputPerMillionTokens = 0.08m, OutputPerMillionTokens = 0.6m })),
            EffectiveFrom = new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc),
            CreatedAt = DateTime.UtcNow,
            CreatedBy = "bench",
        }, cancellationToken);
        return provider;
    }

    private static async Task<PriceBookProvider> ExistingPricesAsync(IUsageStore store, CancellationToken cancellationToken)
    {
        var provider = new PriceBookProvider(store, Options.Create(new PricingOptions()), TimeProvider.System, NullLogger<PriceBookProvider>.Instance);
        await provider.StartAsync(cancellationToken);
        return provider;
    }

    private static async Task<double> MedianAsync<T>(Func<Task<T>> query)
    {
        await query();
        var samples = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            await query();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return samples[1];
    }
}
