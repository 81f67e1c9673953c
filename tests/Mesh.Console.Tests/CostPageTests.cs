using System.Globalization;
using System.Net;
using Google.Protobuf.WellKnownTypes;
using Mesh.Console.Tests.Support;
using Mesh.Telemetry.V1;
using Mesh.Testing;

namespace Mesh.Console.Tests;

[Collection(ConsoleCollection.Name)]
public sealed class CostPageTests(ConsoleMesh mesh)
{
    [Fact]
    public async Task CostPage_AcmeSession_TotalEqualsTheGrpcReportOverTheSameWindow()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, "/cost?window=24h&bucket=hour&by=resource");
        var from = DateTimeOffset.Parse(Visit.Attribute(html, "cost-summary", "data-from"), CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse(Visit.Attribute(html, "cost-summary", "data-to"), CultureInfo.InvariantCulture);
        var report = await mesh.AnalyticsClient.GetUsageAsync(
            new UsageQuery { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) }, TestCalls.As(mesh.AcmeKey));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual("0.000000000", report.Total.CostUsd);
        Assert.Equal(report.Total.CostUsd, Visit.Attribute(html, "total-cost", "data-usd"));
        Assert.Contains("data-key=\"tiny-gpt\"", html, StringComparison.Ordinal);
        Assert.Contains("data-key=\"all-MiniLM-L6-v2\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/cost")]
    [InlineData("/cost?by=tenant")]
    [InlineData("/cost?by=principal&then=resource")]
    [InlineData("/cost?tenant=globex&tenant_id=globex")]
    [InlineData("/cost?handler=csv&by=resource")]
    public async Task CostPage_AcmeSession_NeverShowsGlobexData(string path)
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, body) = await Visit.GetAsync(browser, path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain(ConsoleMesh.GlobexOnlyResource, body, StringComparison.Ordinal);
        Assert.DoesNotContain("globex", body, StringComparison.Ordinal);
        Assert.DoesNotContain("bob", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CostPage_ChartData_SumsToTheTableTotal()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (_, html) = await Visit.GetAsync(browser, "/cost?window=24h&bucket=hour&by=resource");
        var json = System.Text.RegularExpressions.Regex.Match(html, "<script type=\"application/json\" id=\"cost-chart-data\">(.*?)</script>", System.Text.RegularExpressions.RegexOptions.Singleline).Groups[1].Value;
        using var chart = System.Text.Json.JsonDocument.Parse(json);
        var total = chart.RootElement.GetProperty("series").EnumerateArray().Sum(s => decimal.Parse(s.GetProperty("total").GetString()!, CultureInfo.InvariantCulture));

        Assert.Equal(decimal.Parse(Visit.Attribute(html, "total-cost", "data-usd"), CultureInfo.InvariantCulture), total);
        Assert.True(chart.RootElement.GetProperty("stacked").GetBoolean());
        Assert.InRange(chart.RootElement.GetProperty("labels").GetArrayLength(), 24, 25);
    }

    [Fact]
    public async Task CsvDownload_ByResourceSortedByCost_HasTheTableRowsAndTotal()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        using var response = await browser.GetAsync(new Uri("/cost?handler=csv&window=24h&by=resource&sort=cost&dir=desc", UriKind.Relative));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.Equal("resource,events,input_tokens,output_tokens,cached_tokens,device_ms,errors,cost_usd", lines[0]);
        var rows = lines[1..^1].Select(l => l.Split(',')).ToList();
        var costs = rows.Select(r => decimal.Parse(r[^1], CultureInfo.InvariantCulture)).ToList();
        Assert.Contains("tiny-gpt", rows.Select(r => r[0]));
        Assert.Contains("all-MiniLM-L6-v2", rows.Select(r => r[0]));
        Assert.DoesNotContain(ConsoleMesh.GlobexOnlyResource, rows.Select(r => r[0]));
        Assert.Equal(costs.OrderByDescending(c => c), costs);
        Assert.StartsWith("(total),", lines[^1], StringComparison.Ordinal);
        Assert.Equal(costs.Sum(), decimal.Parse(lines[^1].Split(',')[^1], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CostPage_SortedByResourceAscending_ListsRowsInThatOrder()
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (_, html) = await Visit.GetAsync(browser, "/cost?by=resource&sort=resource&dir=asc");

        Assert.True(html.IndexOf("data-key=\"all-MiniLM-L6-v2\"", StringComparison.Ordinal) < html.IndexOf("data-key=\"tiny-gpt\"", StringComparison.Ordinal));
        Assert.Contains("aria-sort=\"ascending\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/cost?window=2y", "window '2y' is not one of")]
    [InlineData("/cost?bucket=fortnight", "bucket 'fortnight' is not one of")]
    [InlineData("/cost?window=30d&bucket=minute", "are more than 1500")]
    [InlineData("/cost?by=colour", "Group by one of")]
    [InlineData("/cost?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "must be after from")]
    public async Task CostPage_BadChoice_Answers400WithWhatToFix(string path, string message)
    {
        using var console = mesh.Console();
        using var browser = await Visit.SignedInAsync(console, mesh.AcmeKey);

        var (status, html) = await Visit.GetAsync(browser, path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, WebUtility.HtmlDecode(html), StringComparison.Ordinal);
    }
}
