using System.Collections.Concurrent;
using Grpc.Core;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A telemetry analytics service whose usage for a run appears after a few polls.</summary>
public sealed class FakeAnalytics : Analytics.AnalyticsBase
{
    private readonly ConcurrentDictionary<string, int> _polls = new();

    public ConcurrentQueue<UsageQuery> Queries { get; } = new();

    /// <summary>How many queries for a run answer empty before its usage shows.</summary>
    public int PollsBeforeVisible { get; set; } = 1;

    /// <summary>When true, no run's usage ever shows.</summary>
    public bool NeverVisible { get; set; }

    public void AddRun(string runId) => _polls.TryAdd(runId, 0);

    public override Task<UsageReport> GetUsage(UsageQuery request, ServerCallContext context)
    {
        Queries.Enqueue(request);
        var report = new UsageReport { GroupBy = { request.GroupBy }, Total = new UsageRow { CostUsd = "0.000000000" }, From = request.From, To = request.To };
        if (!_polls.TryGetValue(request.RunId, out var polls))
        {
            report.Rows.Add(Row(request.GroupBy.Select(d => $"{d}-key"), 3, "0.000001500"));
            report.Rows.Add(Row(request.GroupBy.Select(_ => string.Empty), 1, "0.000000500"));
            report.Total = Row([], 4, "0.000002000");
            return Task.FromResult(report);
        }

        if (NeverVisible)
        {
            return Task.FromResult(report);
        }

        _polls[request.RunId] = polls + 1;
        if (polls >= PollsBeforeVisible)
        {
            report.Rows.Add(Row([request.RunId, "all-MiniLM-L6-v2"], 1, "0.000000100"));
            report.Rows.Add(Row([request.RunId, "calculator"], 1, "0.000000200"));
            report.Total = Row([], 2, "0.000000300");
        }

        return Task.FromResult(report);
    }

    private static UsageRow Row(IEnumerable<string> keys, long events, string cost) => new()
    {
        Keys = { keys },
        Events = events,
        InputTokens = events * 10,
        OutputTokens = events,
        ComputeMs = events * 1.5,
        CostUsd = cost,
    };
}
