using Grpc.Core;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.Storage.ClickHouse;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>A tenant's SQL sees its own rows through its views and nothing else, on both stores.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class TenantSqlIsolationTests(ClickHouseFixture clickHouse) : IDisposable
{
    private readonly TempDatabase _duckDbFile = new();
    private readonly List<IDisposable> _stores = [];

    public static IReadOnlyList<string> EscapeAttempts { get; } =
    [
        // other tables and databases
        "SELECT * FROM price_lists",
        "SELECT * FROM usage_hourly",
        "SELECT count(*) FROM mesh.usage_events",
        "SELECT * FROM main.usage_events",
        "SELECT * FROM \"usage_events\" WHERE 1 = 1",
        // system tables
        "SELECT * FROM system.tables",
        "SELECT name FROM system.databases",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM duckdb_tables()",
        "SELECT * FROM \"system\".\"tables\"",
        // functions that read files, URLs or settings
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM file('/etc/passwd', 'TSV', 'a String')",
        "SELECT * FROM url('http://127.0.0.1:9/', 'TSV', 'a String')",
        "SELECT read_text('/etc/passwd')",
        "SELECT count(*) FROM usage_events WHERE tenant_id = getenv('HOME')",
        "SELECT current_setting('enable_external_access')",
        // subqueries and UNION reaching outside the views
        "SELECT count(*) FROM usage_events WHERE tenant_id IN (SELECT tenant_id FROM mesh.usage_events)",
        "SELECT (SELECT count(*) FROM system.tables)",
        "SELECT tenant_id FROM usage_events UNION ALL SELECT name FROM system.tables",
        "SELECT * FROM usage_events, system.one",
        "SELECT * FROM usage_events e JOIN system.numbers n ON 1 = 1",
        // comments and several statements
        "SELECT * FROM usage_events -- WHERE tenant_id = 'acme'",
        "SELECT /* hidden */ * FROM usage_events",
        "SELECT 1; DROP TABLE usage_events",
        "SELECT 1; SELECT 2",
        // writes, settings, formats
        "DROP TABLE usage_events",
        "INSERT INTO usage_events SELECT * FROM usage_events",
        "SELECT * FROM usage_events SETTINGS readonly = 0",
        "SELECT * FROM usage_events FORMAT TSV",
        "SET enable_external_access = true",
        "COPY usage_events TO '/tmp/leak.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "PRAGMA database_list",
        "WITH x AS (SELECT * FROM system.tables) SELECT * FROM x",
        "SELECT 'it\\' FROM system.tables'",
        "SELECT * FROM usage_events INTO OUTFILE '/tmp/x'",
    ];

    public void Dispose()
    {
        _stores.ForEach(s => s.Dispose());
        _duckDbFile.Dispose();
    }

    [Fact]
    public async Task QuerySql_EscapeAttempts_AreRefusedOnBothStores()
    {
        var failures = new List<string>();
        foreach (var store in await StoresAsync())
        {
            var sql = new TenantSql(store);
            foreach (var attempt in EscapeAttempts)
            {
                try
                {
                    var result = await sql.RunAsync(new SqlQuery { Sql = attempt }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
                    failures.Add($"{store.Dialect.Name} answered {result.Rows.Count} rows to: {attempt}");
                }
                catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument)
                {
                    // refused, as it must be
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task QuerySql_TenantsQueries_SeeOnlyItsOwnRows()
    {
        foreach (var store in await StoresAsync())
        {
            var sql = new TenantSql(store);

            var tenants = await sql.RunAsync(new SqlQuery { Sql = "SELECT DISTINCT tenant_id FROM usage_events" }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            var others = await sql.RunAsync(new SqlQuery { Sql = "SELECT count(*) FROM (SELECT * FROM usage_events WHERE tenant_id <> 'acme') t" }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            var runs = await sql.RunAsync(new SqlQuery { Sql = "SELECT count(*) FROM runs r JOIN usage_events e ON e.run_id = r.run_id WHERE e.tenant_id = 'globex'" }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            var limited = await sql.RunAsync(new SqlQuery { Sql = "SELECT event_id FROM usage_events", MaxRows = 5 }, "acme", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(["acme"], tenants.Rows.Select(r => r.Values[0]));
            Assert.Equal("0", others.Rows[0].Values[0]);
            Assert.Equal("0", runs.Rows[0].Values[0]);
            Assert.Equal(5, limited.Rows.Count);
            Assert.True(limited.Truncated);
            Assert.Equal(store.Dialect.Name, tenants.Engine);
        }
    }

    private async Task<IUsageStore[]> StoresAsync()
    {
        var records = AnalyticsData.Generate(300, seed: 5);
        var duckDb = new DuckDbUsageStore(_duckDbFile.Path);
        var (client, database) = await clickHouse.NewDatabaseAsync();
        var clickHouseStore = new ClickHouseUsageStore(client, database, TimeProvider.System);
        _stores.Add(duckDb);
        _stores.Add(clickHouseStore);
        await duckDb.InsertAsync(records, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await clickHouseStore.InsertAsync(records, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return [duckDb, clickHouseStore];
    }
}
