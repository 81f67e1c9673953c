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

    public ConcurrentQueue<MetricsQuery> MetricQueries { get; } = new();

    public override Task<MetricsReport> GetMetrics(MetricsQuery request, ServerCallContext context)
    {
        MetricQueries.Enqueue(request);
        var report = new MetricsReport { Bucket = request.Bucket, From = request.From, To = request.To, Source = "rollup+events", GroupBy = { request.GroupBy }, Metrics = { request.Metrics } };
        for (var hour = 0; hour < 2; hour++)
        {
            var row = new MetricsRow
            {
                Bucket = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(new DateTime(2026, 3, 1, 10 + hour, 0, 0, DateTimeKind.Utc)),
                Keys = { request.GroupBy.Select(d => $"{d}-key") },
                CostUsd = hour == 0 ? "0.000001000" : "0.000002000",
            };
            row.Values.AddRange(request.Metrics.Select((_, i) => (double)(hour + i + 1)));
            report.Rows.Add(row);
        }

        return Task.FromResult(report);
    }

    public override Task<SqlResult> QuerySql(SqlQuery request, ServerCallContext context)
    {
        if (request.Sql.Contains("system.", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "query refused: 'system.tables' is not a table you may read; query usage_events, runs, prices (your tenant's rows only)"));
        }

        return Task.FromResult(new SqlResult
        {
            Engine = "duckdb",
            Columns = { new SqlColumn { Name = "resource", Type = "VARCHAR" }, new SqlColumn { Name = "calls", Type = "BIGINT" } },
            Rows = { new SqlRow { Values = { "tiny-gpt", "42" }, Nulls = { false, false } } },
        });
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
