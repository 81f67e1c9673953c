using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests;

public sealed class AnalyticsCommandTests : IAsyncLifetime
{
    private FakeMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await FakeMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Cost_Every1h_AsksForHourlyBucketsAndDrawsTheSeries()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "cost", "--every", "1h", "--by", "resource", "--kind", "model_call");

        Assert.Equal(0, result.ExitCode);
        Assert.True(_mesh.Analytics.MetricQueries.TryDequeue(out var query));
        Assert.Equal("hour", query.Bucket);
        Assert.Equal(["resource"], query.GroupBy);
        Assert.Contains(query.Filters, f => f.Dimension == "kind" && f.Value == "model_call");
        Assert.Contains("2026-03-01 11:00", result.Out);
        Assert.Contains("████", result.Out);
        Assert.Contains("0.000002000", result.Out);
    }

    [Fact]
    public async Task Cost_EveryThreeHours_IsAUsageError()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "cost", "--every", "3h");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("use 1m, 1h, 1d, 1w or month", result.Error);
    }

    [Fact]
    public async Task Sql_Select_PrintsColumnsAndRowsAndAnEscapeIsRefused()
    {
        var ok = await CliRun.RunAsync(_mesh.Environment, "sql", "SELECT resource, count(*) AS calls FROM usage_events GROUP BY resource");
        var refused = await CliRun.RunAsync(_mesh.Environment, "sql", "SELECT * FROM system.tables");

        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("tiny-gpt", ok.Out);
        Assert.Contains("1 row, duckdb", ok.Out);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("PermissionDenied", refused.Error);
        Assert.Contains("system.tables", refused.Error);
    }

    [Fact]
    public async Task PricesAdd_PricesWrittenAsJsonNumbers_SentDigitForDigit()
    {
        var file = Path.Combine(Path.GetTempPath(), $"prices-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            { "version": "2027-01", "effectiveFrom": "2027-01-01T00:00:00Z",
              "prices": [ { "resource": "all-MiniLM-L6-v2", "inputPerMillionTokens": 0.010, "minInputTokens": 2000 },
                          { "resource": "calculator", "perCall": "0.0001" } ] }
            """);
        try
        {
            var result = await CliRun.RunAsync(_mesh.Environment, "prices", "add", file);

            Assert.Equal(0, result.ExitCode);
            Assert.True(_mesh.Prices.Added.TryDequeue(out var list));
            Assert.Equal(("2027-01", "0.010", 2000L, "0.0001"), (list.Version, list.Prices[0].InputPerMillionTokens, list.Prices[0].MinInputTokens, list.Prices[1].PerCall));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task PricesReplay_AdminActingInATenant_ReplaysThatTenantOnly()
    {
        var result = await CliRun.RunAsync(_mesh.Environment, "prices", "replay", "--version", "2027-01", "--tenant", "demo-support", "--by", "resource");

        Assert.Equal(0, result.ExitCode);
        Assert.True(_mesh.Prices.Replays.TryDequeue(out var replay));
        Assert.Equal(("demo-support", "demo-support", "2027-01"), (replay.Request.TenantId, replay.TenantHeader, replay.Request.PriceListVersion));
    }
}
