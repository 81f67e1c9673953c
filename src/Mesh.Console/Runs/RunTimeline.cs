using Google.Protobuf.WellKnownTypes;
using Mesh.Agents.V1;
using Mesh.Console.Reports;
using Mesh.Telemetry.V1;

namespace Mesh.Console.Runs;

/// <summary>
/// A run's steps as a waterfall: each step's start and length relative to the run's start (as
/// shares of the whole run, for the bars), its tokens and its billed cost (telemetry's usage
/// events of the run grouped by step, <c>GetMetrics</c>).
/// </summary>
public sealed class RunTimeline
{
    private RunTimeline(Run run, IReadOnlyList<TimelineStep> steps, TimeSpan length)
    {
        Run = run;
        Steps = steps;
        Length = length;
    }

    public Run Run { get; }

    public IReadOnlyList<TimelineStep> Steps { get; }

    public TimeSpan Length { get; }

    /// <summary>Cost per step of run <paramref name="run"/>: every usage event of the run, grouped by step.</summary>
    public static MetricsQuery CostQuery(Run run, DateTimeOffset now, string? tenant)
    {
        ArgumentNullException.ThrowIfNull(run);
        var created = run.CreatedAt?.ToDateTimeOffset() ?? now.AddDays(-1);
        var query = new MetricsQuery
        {
            From = Timestamp.FromDateTimeOffset(created.AddMinutes(-5)),
            To = Timestamp.FromDateTimeOffset(now.AddMinutes(1)),
            GroupBy = { "step" },
            Filters = { new MetricFilter { Dimension = "run", Value = run.RunId } },
            Metrics = { "cost_usd", "events" },
            Limit = 1000,
        };
        if (tenant is not null)
        {
            query.Filters.Add(new MetricFilter { Dimension = "tenant", Value = tenant });
        }

        return query;
    }

    public static RunTimeline Build(Run run, MetricsReport? costs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        var costByStep = (costs?.Rows ?? []).ToDictionary(r => r.Keys.FirstOrDefault() ?? "", r => r.CostUsd, StringComparer.Ordinal);
        var start = run.CreatedAt?.ToDateTimeOffset() ?? now;
        var end = RunStatuses.IsLive(run.Status) ? now : run.UpdatedAt?.ToDateTimeOffset() ?? now;
        foreach (var step in run.Steps)
        {
            if (step.FinishedAt?.ToDateTimeOffset() is { } finished && finished > end)
            {
                end = finished;
            }
        }

        var length = end > start ? end - start : TimeSpan.FromMilliseconds(1);
        var steps = run.Steps.Select(s =>
        {
            var from = s.StartedAt?.ToDateTimeOffset() ?? start;
            var until = s.FinishedAt?.ToDateTimeOffset() ?? (s.Status == "running" ? now : from);
            var offset = Math.Clamp((from - start) / length, 0, 1);
            var width = Math.Clamp((until - from) / length, 0.002, 1 - offset);
            return new TimelineStep(s, from - start, offset, width, costByStep.GetValueOrDefault(s.StepId));
        }).ToList();
        return new RunTimeline(run, steps, length);
    }

    /// <summary>The cost of the run's usage events recorded outside any step (the run's own bookkeeping), if any.</summary>
    public static string? Unattributed(MetricsReport? costs) =>
        costs?.Rows.FirstOrDefault(r => (r.Keys.FirstOrDefault() ?? "").Length == 0)?.CostUsd;
}

/// <summary>One bar of the waterfall: the step, where it starts and how long it is (shares of the run), its billed cost.</summary>
public sealed record TimelineStep(StepRecord Step, TimeSpan Start, double Offset, double Width, string? CostUsd)
{
    public string Cost => CostUsd is null ? "" : Money.Show(CostUsd);
}
