using Google.Protobuf.WellKnownTypes;
using Mesh.Agents.V1;
using Mesh.Console.Runs;
using Mesh.Telemetry.V1;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Console.Pages;

/// <summary>The tenant's runs, newest first (<c>ListRuns</c>), filtered by workflow and status, with each run's billed cost.</summary>
public sealed class RunsModel(Agents.V1.Agents.AgentsClient agents, Analytics.AnalyticsClient analytics, TimeProvider time) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public string? Workflow { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true, Name = "after")]
    public string? PageToken { get; set; }

    public IReadOnlyList<Run> Runs { get; private set; } = [];

    public IReadOnlyList<string> Workflows { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Costs { get; private set; } = new Dictionary<string, string>();

    public string? NextPage { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (RunStatuses.Parse(Status) is not { } status)
        {
            Problem = $"status must be one of {string.Join(", ", RunStatuses.All.Select(s => s.Name))}";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var workflows = agents.ListWorkflowsAsync(new ListWorkflowsRequest()).ResponseAsync;
        var runs = await agents.ListRunsAsync(new ListRunsRequest { Workflow = Workflow ?? "", Status = status, PageSize = 50, PageToken = PageToken ?? "" });
        Runs = runs.Runs;
        NextPage = runs.NextPageToken.Length > 0 ? runs.NextPageToken : null;
        Workflows = [.. (await workflows).Workflows.Select(w => w.Name).Order(StringComparer.Ordinal)];
        if (Runs.Count > 0)
        {
            Costs = await CostsAsync();
        }

        return Page();
    }

    /// <summary>Billed cost per run of this page (usage grouped by run since the oldest run started).</summary>
    private async Task<IReadOnlyDictionary<string, string>> CostsAsync()
    {
        var oldest = Runs.Min(r => r.CreatedAt?.ToDateTimeOffset() ?? time.GetUtcNow());
        var report = await analytics.GetUsageAsync(new UsageQuery
        {
            From = Timestamp.FromDateTimeOffset(oldest.AddMinutes(-5)),
            To = Timestamp.FromDateTimeOffset(time.GetUtcNow().AddMinutes(1)),
            GroupBy = { Dimension.Run },
            Limit = 10_000,
            TenantId = Session.QueryTenant ?? "",
        });
        return report.Rows.Where(r => r.Keys.Count > 0 && r.Keys[0].Length > 0).ToDictionary(r => r.Keys[0], r => r.CostUsd, StringComparer.Ordinal);
    }
}
