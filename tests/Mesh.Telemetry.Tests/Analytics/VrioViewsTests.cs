using System.Globalization;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.Tests.Vrio;
using Mesh.Telemetry.V1;
using Mesh.Telemetry.Vrio;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>The vrio_capabilities and vrio_indicators views of tenant SQL: a tenant's own rows only, the report's figures, on both stores.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class VrioViewsTests(ClickHouseFixture clickHouse) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDatabase _duckDbFile = new();

    public void Dispose() => _duckDbFile.Dispose();

    [Fact]
    public async Task QuerySql_VrioViews_OnlyTheTenantsOwnRowsWithTheReportsFigures()
    {
        using var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        using var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        foreach (var store in new IUsageStore[] { duckDb, clickHouseStore })
        {
            // Both tenants use capabilities of the same names; globex's owners are its own.
            await store.InsertAsync([.. VrioData.Records("acme"), .. VrioData.Records("globex")], CancellationToken.None).WaitAsync(Timeout);
            var capabilities = new CapabilityStore(store);
            foreach (var (metadata, i) in VrioData.Metadata.Select((m, i) => (m, i)))
            {
                await capabilities.SaveAsync("acme", metadata, VrioData.Now.AddSeconds(i), CancellationToken.None).WaitAsync(Timeout);
                var theirs = metadata.Clone();
                theirs.Owner = "globex-team";
                await capabilities.SaveAsync("globex", theirs, VrioData.Now.AddSeconds(i), CancellationToken.None).WaitAsync(Timeout);
            }

            // A later change of acme's router metadata replaces the first.
            var router = VrioData.Metadata.Single(m => m.Ref.Name == "ticket-router").Clone();
            router.Owner = "routing-team";
            await capabilities.SaveAsync("acme", router, VrioData.Now.AddMinutes(5), CancellationToken.None).WaitAsync(Timeout);
            var sql = new TenantSql(store);

            var owners = await QueryAsync(sql, "SELECT name, owner, provenance, slo_success_rate FROM vrio_capabilities ORDER BY name");
            var globexOwners = await QueryAsync(sql, "SELECT count(*) FROM vrio_capabilities WHERE owner = 'globex-team'");
            var support = await QueryAsync(sql, $"SELECT SUM(calls), SUM(ok_outcomes), SUM(value_usd), SUM(cost_usd), SUM(checked_calls) FROM vrio_indicators "
                + $"WHERE name = 'support-ft' AND day >= {Day(store, VrioData.Now.AddDays(-14))} AND day < {Day(store, VrioData.Now)}");
            var total = await QueryAsync(sql, "SELECT SUM(calls) FROM vrio_indicators");

            Assert.Equal(VrioData.Metadata.Select(m => m.Ref.Name).Order(StringComparer.Ordinal), owners.Select(r => r[0]));
            Assert.Equal("routing-team", owners.Single(r => r[0] == "ticket-router")[1]);
            Assert.Equal("fine_tuned", owners.Single(r => r[0] == "support-ft")[2]);
            Assert.Equal(0.95, double.Parse(owners.Single(r => r[0] == "support-ft")[3], CultureInfo.InvariantCulture), 9);
            Assert.Equal("0", globexOwners.Single()[0]);
            // The report's figures for support-ft over its window: 140 calls, 140 resolved tickets worth $140 at $1.40.
            Assert.Equal(("140", "140", 140.0, 1.4m, "140"), (support[0][0], support[0][1], Math.Round(double.Parse(support[0][2], CultureInfo.InvariantCulture), 6), decimal.Parse(support[0][3], CultureInfo.InvariantCulture), support[0][4]));
            Assert.Equal(VrioData.Records("acme").Count(r => r.Kind is "model_call" or "embedding" or "tool_call").ToString(CultureInfo.InvariantCulture), total.Single()[0]);
        }
    }

    private static string Day(IUsageStore store, DateTime day) =>
        store.Dialect.Name == "duckdb" ? $"DATE '{day:yyyy-MM-dd}'" : $"toDate('{day:yyyy-MM-dd}')";

    private static async Task<List<string[]>> QueryAsync(TenantSql sql, string query) =>
        [.. (await sql.RunAsync(new SqlQuery { Sql = query }, "acme", CancellationToken.None).WaitAsync(Timeout)).Rows.Select(r => r.Values.ToArray())];
}
