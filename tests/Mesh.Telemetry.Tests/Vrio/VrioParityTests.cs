using Google.Protobuf;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.Vrio;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Tests.Vrio;

/// <summary>The VRIO report is the same from DuckDB and ClickHouse for the same events and metadata.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioParityTests(ClickHouseFixture clickHouse) : IDisposable
{
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task GetReport_SameEvents_DuckDbAndClickHouseIdentical()
    {
        var records = VrioData.Records();
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        var reports = new List<string>();
        foreach (var store in new IUsageStore[] { duckDb, clickHouseStore })
        {
            await store.InsertAsync(records, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            var capabilities = new CapabilityStore(store);
            foreach (var (capability, i) in VrioData.Metadata.Select((c, i) => (c, i)))
            {
                await capabilities.SaveAsync("acme", capability, VrioData.Now.AddSeconds(i), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }

            var options = Options.Create(new VrioOptions { ReadRegistries = false });
            var reporter = new VrioReporter(new VrioFactsReader(store), new CapabilityCatalog([], capabilities, options), options);
            var report = await reporter.ReportAsync("acme", VrioData.Now.AddDays(-14), VrioData.Now, _ => true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(VrioData.Expected.OrderBy(p => p.Key), report.Capabilities.ToDictionary(c => c.Capability.Ref.Name, c => c.Verdict).OrderBy(p => p.Key));
            reports.Add(JsonFormatter.Default.Format(report));
        }

        Assert.Equal(reports[0], reports[1]);
    }
}
