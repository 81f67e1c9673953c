using Mesh.Agents.V1;
using Mesh.Console.Runs;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Pages;

/// <summary>
/// One run (<c>GetRun</c>): its steps as a waterfall with tokens, results and billed cost per
/// step (<c>GetMetrics</c> by step), followed live while it may still change. Another tenant's
/// run is NotFound from agents, so a 404 here.
/// </summary>
public sealed class RunModel(Agents.V1.Agents.AgentsClient agents, Analytics.AnalyticsClient analytics, TimeProvider time) : ConsolePage
{
    public RunTimeline? Timeline { get; private set; }

    public string? Unattributed { get; private set; }

    public bool Live => Timeline is not null && RunStatuses.IsLive(Timeline.Run.Status);

    /// <summary>Where the page follows the run while it may still change; null once it has ended.</summary>
    public string? LiveUrl => Live ? $"/runs/{Uri.EscapeDataString(Timeline!.Run.RunId)}/events?after={Timeline.Run.LastSequence}" : null;

    public async Task OnGetAsync(string runId)
    {
        var run = await agents.GetRunAsync(new GetRunRequest { RunId = runId });
        var now = time.GetUtcNow();
        var costs = await analytics.GetMetricsAsync(RunTimeline.CostQuery(run, now, Session.QueryTenant));
        Timeline = RunTimeline.Build(run, costs, now);
        Unattributed = RunTimeline.Unattributed(costs);
    }
}
