using Mesh.Console.Forecasts;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>A forecast of cost, calls or tokens with its prediction interval (<c>GetForecast</c>).</summary>
public sealed class ForecastModel(Analytics.AnalyticsClient analytics) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string Metric { get; set; } = "cost_usd";

    [BindProperty(SupportsGet = true)]
    public string Bucket { get; set; } = "hour";

    [BindProperty(SupportsGet = true)]
    public string? Resource { get; set; }

    public ForecastReport? Report { get; private set; }

    public ChartData? Chart { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (ForecastChart.Metrics.All(m => m.Name != Metric) || Bucket is not ("hour" or "day"))
        {
            Problem = $"metric must be one of {string.Join(", ", ForecastChart.Metrics.Select(m => m.Name))} and bucket hour or day";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Report = await analytics.GetForecastAsync(new ForecastQuery { Metric = Metric, Bucket = Bucket, Resource = Resource ?? "", TenantId = Session.QueryTenant ?? "" });
        Chart = ForecastChart.Build(Report);
        return Page();
    }
}
