using Mesh.Console.Latency;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>Latency percentiles and time to first token per model (<c>GetMetrics</c>).</summary>
public sealed class LatencyModel(Analytics.AnalyticsClient analytics, TimeProvider time) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? Window { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Bucket { get; set; }

    [BindProperty(SupportsGet = true)]
    public string Kind { get; set; } = "model_call";

    public ReportWindow? Range { get; private set; }

    public LatencyReport? Report { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (LatencyReport.Kinds.All(k => k.Name != Kind))
        {
            Problem = $"kind must be one of {string.Join(", ", LatencyReport.Kinds.Select(k => k.Name))}";
            Kind = "model_call";
        }
        else
        {
            (Range, Problem) = ReportWindow.Parse(Window, null, null, Bucket, time);
        }

        if (Range is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var totals = analytics.GetMetricsAsync(LatencyReport.Query(Range, Kind, bucketed: false, Session.QueryTenant)).ResponseAsync;
        var series = analytics.GetMetricsAsync(LatencyReport.Query(Range, Kind, bucketed: true, Session.QueryTenant)).ResponseAsync;
        Report = LatencyReport.Build(await totals, await series, Range);
        return Page();
    }
}
