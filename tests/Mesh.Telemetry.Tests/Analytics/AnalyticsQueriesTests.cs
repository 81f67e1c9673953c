using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Telemetry.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Analytics;

/// <summary>The analytics RPCs end to end over gRPC (DuckDB): answers, scoping and bad input.</summary>
public sealed class AnalyticsQueriesTests
{
    private static readonly DateTime Noon = Events.Noon;

    private static UsageEvent Generation(string tenant, DateTime at, double ttftMs, long outputTokens, string run = "run-1") => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTime(at),
        TenantId = tenant,
        PrincipalId = "alice",
        AgentId = "assistant",
        RunId = run,
        Service = "inference",
        Kind = UsageKind.ModelCall,
        Resource = "tiny-gpt",
        ResourceVersion = "1",
        Device = "cpu",
        InputTokens = 100,
        OutputTokens = outputTokens,
        ReasoningTokens = outputTokens / 2,
        ComputeMs = 900,
        TotalMs = ttftMs + (outputTokens - 1) * 10,
        TimeToFirstTokenMs = ttftMs,
        BatchSize = 1,
        Status = UsageStatus.Ok,
        Attributes = { ["priority"] = "interactive" },
    };

    private static async Task SeedAsync(TelemetryHost host)
    {
        var events = new List<UsageEvent>();
        for (var i = 0; i < 10; i++)
        {
            events.Add(Generation("acme", Noon.AddMinutes(5 + i), ttftMs: 100 + (i * 10), outputTokens: 11));
        }

        events.Add(Generation("acme", Noon.AddHours(1).AddMinutes(5), ttftMs: 500, outputTokens: 11, run: "run-2"));
        events.Add(Generation("globex", Noon.AddMinutes(7), ttftMs: 9000, outputTokens: 11));
        events.Add(Events.ToolCall("acme", at: Noon.AddMinutes(8)));
        var audit = Events.ToolCall("acme", at: Noon.AddMinutes(9));
        audit.Kind = UsageKind.Audit;
        events.Add(audit);
        var response = await host.Ingest.PublishAsync(new PublishRequest { Events = { events } }, TestCalls.As(TestKeys.Admin));
        Assert.Equal(events.Count, response.Stored);
    }

    private static MetricsQuery Window() => new() { From = Timestamp.FromDateTime(Noon), To = Timestamp.FromDateTime(Noon.AddHours(2)) };

    [Fact]
    public async Task GetMetrics_HourlyByResource_GivesSumsRatesAndPercentilesOfTheCallersTenant()
    {
        using var host = new TelemetryHost();
        await SeedAsync(host);
        var query = new MetricsQuery(Window()) { Bucket = "hour", GroupBy = { "resource" }, Metrics = { "events", "reasoning_tokens", "calls_per_s", "p50_ttft_ms", "p99_ttft_ms", "p50_tpot_ms", "utilization" } };

        var report = await host.Analytics.GetMetricsAsync(query, TestCalls.As(TestKeys.Acme));

        var first = report.Rows.Single(r => r.Bucket == Timestamp.FromDateTime(Noon) && r.Keys[0] == "tiny-gpt");
        Assert.Equal(10, first.Values[0]);
        Assert.Equal(50, first.Values[1]);
        Assert.Equal(10 / 3600.0, first.Values[2], 9);
        // TTFTs 100..190 ms: nearest-rank median 140, p99 190, each within 1%; 10 ms per token after the first.
        Assert.InRange(first.Values[3], 140 * 0.99, 140 * 1.01);
        Assert.InRange(first.Values[4], 190 * 0.99, 190 * 1.01);
        Assert.InRange(first.Values[5], 10 * 0.99, 10 * 1.01);
        Assert.Equal(10 * 0.9 / 3600, first.Values[6], 9);
        Assert.DoesNotContain(report.Rows, r => r.Values[3] > 1000); // globex's 9 s never shows
        Assert.Equal("rollup+events", report.Source);
    }

    [Fact]
    public async Task GetMetrics_ByKind_LeavesAccessDecisionsOutUnlessAsked()
    {
        using var host = new TelemetryHost();
        await SeedAsync(host);

        var without = await host.Analytics.GetMetricsAsync(new MetricsQuery(Window()) { GroupBy = { "kind" } }, TestCalls.As(TestKeys.Acme));
        var with = await host.Analytics.GetMetricsAsync(new MetricsQuery(Window()) { GroupBy = { "kind" }, IncludeAudit = true }, TestCalls.As(TestKeys.Acme));

        Assert.DoesNotContain(without.Rows, r => r.Keys[0] == "audit");
        Assert.Contains(with.Rows, r => r.Keys[0] == "audit");
    }

    public static TheoryData<MetricsQuery, string, StatusCode> BadQueries => new()
    {
        { new MetricsQuery(Window()) { GroupBy = { "colour" } }, "group_by", StatusCode.InvalidArgument },
        { new MetricsQuery(Window()) { GroupBy = { "attr.bad key" } }, "group_by", StatusCode.InvalidArgument },
        { new MetricsQuery(Window()) { Bucket = "fortnight" }, "bucket", StatusCode.InvalidArgument },
        { new MetricsQuery { From = Timestamp.FromDateTime(Noon.AddDays(-30)), To = Timestamp.FromDateTime(Noon), Bucket = "minute" }, "choose hour", StatusCode.InvalidArgument },
        { new MetricsQuery(Window()) { Metrics = { "p42_total_ms" } }, "metrics", StatusCode.InvalidArgument },
        { new MetricsQuery(Window()) { Filters = { new MetricFilter { Dimension = "tenant", Value = "globex" } } }, "your own tenant", StatusCode.PermissionDenied },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task GetMetrics_BadQuery_NamesTheProblem(MetricsQuery query, string expected, StatusCode code)
    {
        using var host = new TelemetryHost();

        var error = await Assert.ThrowsAsync<RpcException>(() => host.Analytics.GetMetricsAsync(query, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLedger_Runs_OneRowPerRunWithTokensToolsAndDeviceTime()
    {
        using var host = new TelemetryHost();
        await SeedAsync(host);

        var ledger = await host.Analytics.GetLedgerAsync(new LedgerQuery { From = Timestamp.FromDateTime(Noon), To = Timestamp.FromDateTime(Noon.AddHours(2)) }, TestCalls.As(TestKeys.Acme));

        var run = ledger.Rows.Single(r => r.Key == "run-1");
        Assert.Equal(10, run.ModelCalls);
        Assert.Equal(1, run.ToolCalls);
        Assert.Equal(1000, run.InputTokens);
        Assert.Equal(9000, run.DeviceMs);
        Assert.Equal("0.000100000", run.ToolCostUsd);
        Assert.Equal(1.0, run.SuccessRate);
        Assert.Equal(2, ledger.Rows.Count);
    }

    [Fact]
    public async Task QuerySql_AcmeKey_SeesOnlyAcmeAndAnEscapeIsRefused()
    {
        using var host = new TelemetryHost();
        await SeedAsync(host);

        var tenants = await host.Analytics.QuerySqlAsync(new SqlQuery { Sql = "SELECT tenant_id, count(*) AS n FROM usage_events GROUP BY tenant_id" }, TestCalls.As(TestKeys.Acme));
        var escape = await Assert.ThrowsAsync<RpcException>(() =>
            host.Analytics.QuerySqlAsync(new SqlQuery { Sql = "SELECT * FROM usage_events UNION ALL SELECT * FROM read_csv('/etc/passwd')" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        var row = Assert.Single(tenants.Rows);
        Assert.Equal(["acme", "13"], row.Values);
        Assert.Equal(["tenant_id", "n"], tenants.Columns.Select(c => c.Name));
        Assert.Equal(StatusCode.PermissionDenied, escape.StatusCode);
        Assert.Contains("read_csv", escape.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportFocus_Day_WritesFocusRowsWhoseCostAddsUpToTheUsage()
    {
        using var host = new TelemetryHost();
        await SeedAsync(host);
        var window = new FocusExportRequest { From = Timestamp.FromDateTime(Noon.AddHours(-12)), To = Timestamp.FromDateTime(Noon.AddHours(12)) };

        var csv = new StringBuilder();
        using (var call = host.Analytics.ExportFocus(window, TestCalls.As(TestKeys.Acme)))
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                csv.Append(call.ResponseStream.Current.Csv.ToStringUtf8());
            }
        }

        var lines = csv.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Contains("ChargePeriodStart", header);
        Assert.Contains("ServiceSubcategory", header);
        Assert.Equal(2, rows.Count); // tiny-gpt and calculator, one day, acme only
        var cost = rows.Sum(r => decimal.Parse(r[Array.IndexOf(header, "BilledCost")], CultureInfo.InvariantCulture));
        var usage = await host.Analytics.GetUsageAsync(new UsageQuery { From = window.From, To = window.To }, TestCalls.As(TestKeys.Acme));
        Assert.Equal(decimal.Parse(usage.Total.CostUsd, CultureInfo.InvariantCulture), cost);
        var model = rows.Single(r => r[Array.IndexOf(header, "ResourceName")] == "tiny-gpt");
        Assert.Equal("2026-03-01T00:00:00Z", model[Array.IndexOf(header, "ChargePeriodStart")]);
        Assert.Equal("Tokens", model[Array.IndexOf(header, "ConsumedUnit")]);
        Assert.Equal("1221", model[Array.IndexOf(header, "ConsumedQuantity")]);
        Assert.Equal("acme", model[Array.IndexOf(header, "BillingAccountId")]);
    }
}
