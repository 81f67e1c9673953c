using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Console.Cost;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>
/// Cost over time stacked by a chosen dimension (<c>GetMetrics</c>), and the breakdown table
/// (<c>GetUsage</c>) by that dimension and optionally a second one, sortable and as CSV.
/// </summary>
public sealed class CostModel(Analytics.AnalyticsClient analytics, TimeProvider time) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? Window { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Bucket { get; set; }

    [BindProperty(SupportsGet = true)]
    public string By { get; set; } = "resource";

    [BindProperty(SupportsGet = true)]
    public string? Then { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Sort { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Dir { get; set; }

    public ReportWindow? Range { get; private set; }

    public ChartData? Chart { get; private set; }

    public Breakdown? Table { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!Prepare())
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var metrics = analytics.GetMetricsAsync(MetricsQuery(Range!, By, Session.QueryTenant)).ResponseAsync;
        var usage = analytics.GetUsageAsync(UsageQuery()).ResponseAsync;
        Chart = CostChart.Build(await metrics, Range!, By);
        Table = new Breakdown(await usage, TableDimensions(), Sort, Dir);
        return Page();
    }

    /// <summary>The breakdown table as CSV, the same rows in the same order.</summary>
    public async Task<IActionResult> OnGetCsvAsync()
    {
        if (!Prepare())
        {
            return BadRequest(Problem ?? "bad request");
        }

        var table = new Breakdown(await analytics.GetUsageAsync(UsageQuery()), TableDimensions(), Sort, Dir);
        var name = $"mesh-cost-{Session.Tenant}-{string.Join('-', TableDimensions())}-{Range!.From.UtcDateTime:yyyyMMddHHmm}-{Range.To.UtcDateTime:yyyyMMddHHmm}.csv";
        return File(Encoding.UTF8.GetBytes(table.ToCsv()), "text/csv; charset=utf-8", name);
    }

    /// <summary>This page's address with some of its choices changed (sorting links, the CSV link).</summary>
    public string Link(string? handler = null, string? sort = null, string? dir = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["handler"] = handler,
            ["window"] = Range?.Name == "custom" ? null : Range?.Name,
            ["from"] = Range?.Name == "custom" ? ReportWindow.Iso(Range.From) : null,
            ["to"] = Range?.Name == "custom" ? ReportWindow.Iso(Range.To) : null,
            ["bucket"] = Range?.Bucket,
            ["by"] = By,
            ["then"] = Then,
            ["sort"] = sort ?? Table?.Sort ?? Sort,
            ["dir"] = dir ?? Dir,
        };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/cost", query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => new KeyValuePair<string, string?>(q.Key, q.Value)));
    }

    public IReadOnlyList<string> TableDimensions() => string.IsNullOrEmpty(Then) || Then == By ? [By] : [By, Then];

    public static MetricsQuery MetricsQuery(ReportWindow range, string by, string? tenant)
    {
        ArgumentNullException.ThrowIfNull(range);
        var query = new MetricsQuery
        {
            From = Timestamp.FromDateTimeOffset(range.From),
            To = Timestamp.FromDateTimeOffset(range.To),
            Bucket = range.Bucket,
            Limit = 10_000,
        };
        query.GroupBy.Add(by);
        query.Metrics.Add("cost_usd");
        if (tenant is not null)
        {
            query.Filters.Add(new MetricFilter { Dimension = "tenant", Value = tenant });
        }

        return query;
    }

    private UsageQuery UsageQuery()
    {
        var query = new UsageQuery { From = Timestamp.FromDateTimeOffset(Range!.From), To = Timestamp.FromDateTimeOffset(Range.To), Limit = 10_000, TenantId = Session.QueryTenant ?? "" };
        query.GroupBy.AddRange(TableDimensions().Select(Dimensions.Usage));
        return query;
    }

    private bool Prepare()
    {
        if (!Dimensions.IsKnown(By) || (!string.IsNullOrEmpty(Then) && !Dimensions.IsKnown(Then)))
        {
            Problem = $"Group by one of {string.Join(", ", Dimensions.All.Select(d => d.Name))}.";
            By = Dimensions.IsKnown(By) ? By : "resource";
            return false;
        }

        (Range, Problem) = ReportWindow.Parse(Window, From, To, Bucket, time);
        return Range is not null;
    }
}
