using Google.Protobuf;
using Mesh.Cli;
using Mesh.Cli.Vrio.Demo;
using Mesh.DevServers;
using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Telemetry.Vrio;
using Mesh.Testing;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>
/// <c>mesh demo vrio</c> against a real telemetry on a loopback port, on DuckDB and on ClickHouse:
/// the demo tenants' reports show every verdict, and seeding again stores nothing twice.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioDemoTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static TheoryData<string> Stores => ["duckdb", "clickhouse"];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DemoVrio_SeededTwice_EveryVerdictOnceAndNothingStoredTwice(string engine)
    {
        using var database = new TempDatabase();
        await using var telemetry = new MeshServiceFactory<UsageIngestService>()
            .WithSetting("Mesh:Telemetry:Vrio:ReadRegistries", "false")
            .WithSetting("Mesh:Telemetry:DuckDbPath", database.Path);
        if (engine == "clickhouse")
        {
            var (_, name) = await clickHouse.NewDatabaseAsync();
            telemetry.WithSetting("Mesh:Telemetry:Store", "clickhouse").WithSetting("Mesh:Telemetry:ClickHouseDatabase", name)
                .WithSetting("ConnectionStrings:clickhouse", clickHouse.Server.ConnectionString);
        }

        var address = Listen(telemetry);
        var environment = new Dictionary<string, string> { ["MESH_API_KEY"] = TestKeys.Admin, ["MESH_TELEMETRY_URL"] = address };

        var first = await MeshAsync(environment, "demo", "vrio", "--json");
        var support = JsonParser.Default.Parse<VrioReport>((await MeshAsync(environment, "vrio", "--tenant", "demo-support", "--json")).Out);
        var research = JsonParser.Default.Parse<VrioReport>((await MeshAsync(environment, "vrio", "--tenant", "demo-research", "--json")).Out);
        var again = await MeshAsync(environment, "demo", "vrio", "--json");
        var supportAgain = JsonParser.Default.Parse<VrioReport>((await MeshAsync(environment, "vrio", "--tenant", "demo-support", "--json")).Out);
        var table = await MeshAsync(environment, "vrio", "--tenant", "demo-support");

        Assert.Contains("\"stored\":", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\"stored\":0", first.Out, StringComparison.Ordinal);
        Assert.Equal(2, again.Out.Split("\"stored\":0,", StringSplitOptions.None).Length - 1);
        Assert.Equal(2, again.Out.Split("\"metadata_set\":0", StringSplitOptions.None).Length - 1);
        Assert.Equal(new Dictionary<string, Verdict>
        {
            ["all-MiniLM-L6-v2"] = Verdict.CompetitiveParity,
            ["arctic-embed-xs"] = Verdict.NotEnoughEvidence,
            ["support-ft"] = Verdict.SustainedAdvantage,
            ["ticket-router"] = Verdict.UnusedAdvantage,
            ["ticket-triage"] = Verdict.SustainedAdvantage,
            ["vendor-ocr"] = Verdict.TemporaryAdvantage,
            ["web-scraper"] = Verdict.CompetitiveDisadvantage,
        }, support.Capabilities.ToDictionary(c => c.Capability.Ref.Name, c => c.Verdict).OrderBy(p => p.Key, StringComparer.Ordinal));
        var trial = support.Capabilities.Single(c => c.Capability.Ref.Name == "arctic-embed-xs");
        Assert.Equal(Verdict.CompetitiveParity, trial.WindowVerdict); // held by the two-window rule: a ten-day trial
        Assert.StartsWith("replay shows all-MiniLM-L6-v2 -> model:arctic-embed-xs@1 saves", support.Capabilities.Single(c => c.Capability.Ref.Name == "all-MiniLM-L6-v2").Action, StringComparison.Ordinal);
        Assert.Contains("no owner", support.Capabilities.Single(c => c.Capability.Ref.Name == "ticket-router").Organization.Reason, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, Verdict>
        {
            ["literature-review"] = Verdict.SustainedAdvantage,
            ["paper-fetch"] = Verdict.UnusedAdvantage,
            ["research-llm"] = Verdict.CompetitiveParity,
        }, research.Capabilities.ToDictionary(c => c.Capability.Ref.Name, c => c.Verdict).OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(
            support.Capabilities.Select(c => (c.Capability.Ref.Name, c.Calls, c.Value.Evidence.Single(e => e.Name == "outcomes (successful)").Value)),
            supportAgain.Capabilities.Select(c => (c.Capability.Ref.Name, c.Calls, c.Value.Evidence.Single(e => e.Name == "outcomes (successful)").Value)));
        Assert.Equal(0, table.ExitCode);
        foreach (var verdict in new[] { "disadvantage", "parity", "temporary advantage", "unused advantage", "sustained advantage" })
        {
            Assert.Contains(verdict, table.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void OutcomeEventId_SameDerivationAsRecordOutcome_SameOutcomeStoredOnce() =>
        Assert.Equal(OutcomeRecorder.EventId("demo-support", "ticket-1").ToString(), DemoMonth.OutcomeEventId("demo-support", "ticket-1"));

    [Fact]
    public void Events_SameDayGeneratedTwice_SameEventsAndIds()
    {
        var now = new DateTime(2026, 12, 7, 15, 30, 0, DateTimeKind.Utc);
        var tenant = DemoTenants.All[0];

        var first = DemoMonth.Events(tenant, now).ToList();
        var later = DemoMonth.Events(tenant, now.AddHours(2)).ToList();

        var byId = later.ToDictionary(e => e.EventId);
        Assert.All(first, e => Assert.True(e.OccurredAt.ToDateTime() < now));
        Assert.All(first, e => Assert.Equal(e, byId[e.EventId]));
        Assert.True(later.Count > first.Count);
    }

    /// <summary>Serves the factory's host on free loopback ports (gRPC and health), the way the command line reaches a mesh.</summary>
    private static string Listen(MeshServiceFactory<UsageIngestService> factory)
    {
        var port = FreePort.Next();
        factory.WithSetting("Kestrel:Endpoints:http:Url", $"http://127.0.0.1:{port}")
            .WithSetting("Kestrel:Endpoints:health:Url", $"http://127.0.0.1:{FreePort.Next()}");
        factory.UseKestrel();
        factory.StartServer();
        return $"http://127.0.0.1:{port}";
    }

    private static async Task<(int ExitCode, string Out)> MeshAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var cli = new CliEnvironment(name => environment.GetValueOrDefault(name), TimeProvider.System, output, error, OutIsTerminal: false, ErrorIsTerminal: false);
        var exitCode = await MeshCli.RunAsync([.. args, "--timeout", "100"], cli).WaitAsync(Timeout);
        Assert.True(exitCode == 0, $"mesh {string.Join(' ', args)} exited {exitCode}: {error}");
        return (exitCode, output.ToString());
    }
}
