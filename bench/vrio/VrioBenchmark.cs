using System.Diagnostics;
using DuckDB.NET.Data;
using Google.Protobuf;
using Mesh.DevServers;
using Mesh.Pricing;
using Mesh.Telemetry.Pricing;
using Mesh.Telemetry.Pricing.Replay;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Storage.Rollups;
using Mesh.Telemetry.V1;
using Mesh.Telemetry.Vrio;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Bench;

/// <summary>
/// The VRIO report (GetReport's work: both windows' facts, metadata, replays, indicators and
/// verdicts) of one tenant with 10 million events over 200 capabilities, on DuckDB and on
/// ClickHouse. The events are generated inside each engine; the report runs once to warm up, then
/// three times, and the median is printed. Arguments: an event count (default 10000000).
/// </summary>
public sealed class VrioBenchmark(string[] args) : IBenchmark
{
    public string Name => "vrio";

    public string Description => "the full VRIO report of a tenant with 10M events over 200 capabilities, on DuckDB and ClickHouse";

    public async Task RunAsync(BenchReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var events = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000_000;
        var label = events == 10_000_000 ? "10m" : $"{events}";
        var folder = Path.Combine(Path.GetTempPath(), "mesh-bench-vrio", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await using var server = await LocalClickHouse.StartAsync(cancellationToken);
        try
        {
            var duckDbPath = Path.Combine(folder, "usage.duckdb");
            var watch = Stopwatch.StartNew();
            LoadDuckDb(duckDbPath, events);
            using var duckDb = new DuckDbUsageStore(duckDbPath);
            report.Note($"DuckDB: {events} events generated with their hourly roll-up in {watch.Elapsed.TotalSeconds:0.0} s");

            var client = ClickHouseConnection.CreateClient(server.ConnectionString);
            await new ClickHouseMigrator(client, NullLogger<ClickHouseMigrator>.Instance).MigrateAsync("bench", TimeSpan.FromSeconds(30), cancellationToken);
            using var clickHouse = new ClickHouseUsageStore(client, "bench", TimeProvider.System);
            watch.Restart();
            await PostAsync(server.HttpAddress, VrioBenchData.ClickHouse("bench", events), cancellationToken);
            report.Note($"ClickHouse: {events} events generated (the roll-up fed by its view) in {watch.Elapsed.TotalSeconds:0.0} s");

            var to = VrioBenchData.MonthStart + VrioBenchData.Month;
            var reports = new List<string>();
            var cutReports = new List<string>();
            var seconds = new List<double>();
            foreach (var (store, name) in new (IUsageStore, string)[] { (duckDb, "duckdb"), (clickHouse, "clickhouse") })
            {
                // The compactor telemetry runs in the background (the first run at start) rolls the month's closed days up.
                watch.Restart();
                var compaction = await new RollupCompactor(store, TimeProvider.System).CompactAsync(TimeSpan.Zero, cancellationToken);
                report.Figure($"vrio_compaction_{label}_{name}_s", watch.Elapsed.TotalSeconds, "0.0");
                report.Note($"{name}: first compaction rolled up {compaction.Days} days in {watch.Elapsed.TotalSeconds:0.0} s");
                var parts = new List<string>();
                var reporter = await ReporterAsync(store, (part, took) => parts.Add($"{part} {took.TotalSeconds:0.000}"), cancellationToken);
                Task<VrioReport> Run() => reporter.ReportAsync(VrioBenchData.Tenant, to.AddDays(-14), to, _ => true, cancellationToken);
                var first = await Run();
                var samples = new List<double>();
                for (var i = 0; i < 3; i++)
                {
                    parts.Clear();
                    var run = Stopwatch.StartNew();
                    await Run();
                    samples.Add(run.Elapsed.TotalSeconds);
                }

                samples.Sort();
                seconds.Add(samples[1]);
                report.Figure($"vrio_report_{label}_{name}_s", samples[1], "0.00");
                report.Note($"{name}: {first.Capabilities.Count} capabilities; "
                    + string.Join(", ", first.Capabilities.GroupBy(c => VerdictChain.Name(c.Verdict)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))
                    + $"; runs {string.Join(" / ", samples.Select(s => s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s");
                report.Note($"{name}: the last report's facts, s: {string.Join(", ", parts)}");
                reports.Add(JsonFormatter.Default.Format(first));

                // As a report ending at noon reads it: the windows' partial first and last days come from the events.
                var cut = new List<double>();
                for (var i = 0; i < 3; i++)
                {
                    parts.Clear();
                    var run = Stopwatch.StartNew();
                    var noon = await reporter.ReportAsync(VrioBenchData.Tenant, to.AddHours(-12).AddDays(-14), to.AddHours(-12), _ => true, cancellationToken);
                    cut.Add(run.Elapsed.TotalSeconds);
                    if (i == 0)
                    {
                        cutReports.Add(JsonFormatter.Default.Format(noon));
                    }
                }

                cut.Sort();
                report.Figure($"vrio_report_{label}_noon_{name}_s", cut[1], "0.00");
                report.Note($"{name}: windows ending at noon, runs {string.Join(" / ", cut.Select(s => s.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s; facts, s: {string.Join(", ", parts)}");
            }

            report.Note(reports[0] == reports[1] ? "the two reports are identical" : $"the reports DIFFER between the stores: {FirstDifference(reports[0], reports[1])}");
            report.Note(cutReports[0] == cutReports[1] ? "the two noon reports are identical" : $"the noon reports DIFFER between the stores: {FirstDifference(cutReports[0], cutReports[1])}");
            report.Figure($"vrio_report_{label}_s", seconds.Max(), "0.00");
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

    /// <summary>
    /// Creates the schema through the store, generates the events in one statement, then drops the
    /// roll-up so the store, opened again, fills it from the events as it does for an old file.
    /// </summary>
    private static void LoadDuckDb(string path, long events)
    {
        new DuckDbUsageStore(path).Dispose();
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        foreach (var sql in new[] { VrioBenchData.DuckDb(events), "DROP TABLE usage_hourly", "CHECKPOINT" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    private static string FirstDifference(string a, string b)
    {
        var i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i])
        {
            i++;
        }

        var start = Math.Max(0, i - 200);
        return $"DuckDB ...{a[start..Math.Min(a.Length, i + 80)]}... ClickHouse ...{b[start..Math.Min(b.Length, i + 80)]}...";
    }

    /// <summary>An INSERT ... SELECT over HTTP (the driver would ask for a result format 18.16 lacks).</summary>
    private static async Task PostAsync(Uri server, string sql, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        using var response = await http.PostAsync(server, new StringContent(sql), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"ClickHouse refused the load: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    private static async Task<VrioReporter> ReporterAsync(IUsageStore store, Action<string, TimeSpan> timings, CancellationToken cancellationToken)
    {
        var capabilities = new CapabilityStore(store);
        var at = VrioBenchData.MonthStart;
        foreach (var capability in VrioBenchData.Metadata())
        {
            await capabilities.SaveAsync(VrioBenchData.Tenant, capability, at, cancellationToken);
        }

        var list = new PriceListOptions();
        for (var i = 0; i < VrioBenchData.Models; i++)
        {
            list.Resources[$"model-{i}"] = new Mesh.Pricing.ResourcePrice { InputPerMillionTokens = 0.1m * (1 + (i % 10)), OutputPerMillionTokens = 0.4m * (1 + (i % 10)), PerComputeSecond = 0.0001m };
        }

        var pricing = new PricingOptions();
        pricing.Lists["bench"] = list;
        var prices = new PriceBookProvider(store, Options.Create(pricing), TimeProvider.System, NullLogger<PriceBookProvider>.Instance);
        await prices.StartAsync(cancellationToken);
        var options = Options.Create(new VrioOptions { ReadRegistries = false });
        return new VrioReporter(new VrioFactsReader(store) { Timings = timings }, new CapabilityCatalog([], capabilities, options), options, new CostReplayer(store, prices, TimeProvider.System));
    }
}
