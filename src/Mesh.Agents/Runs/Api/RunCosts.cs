using System.Globalization;
using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Telemetry.V1;

namespace Mesh.Agents.Runs.Api;

/// <summary>
/// A run's cost so far, from the one ledger: telemetry's usage events of the run, every service
/// (model tokens, tool runs, device time, the steps themselves), asked with the caller's own
/// credential. Usage ships every few hundred milliseconds, so the newest step may not be in it yet.
/// </summary>
public sealed class RunCosts(Analytics.AnalyticsClient analytics, TimeProvider time)
{
    public async Task<RunCost> ForAsync(string runId, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var query = new UsageQuery
        {
            RunId = runId,
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(startedAt.AddMinutes(-1)),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow().AddMinutes(1)),
        };
        query.GroupBy.Add(Dimension.Kind);
        try
        {
            var report = await analytics.GetUsageAsync(query, deadline: time.GetUtcNow().UtcDateTime.AddSeconds(10), cancellationToken: cancellationToken);
            var total = report.Total ?? new UsageRow();
            return new RunCost
            {
                CostUsd = total.CostUsd.Length > 0 ? total.CostUsd : "0",
                InputTokens = total.InputTokens,
                OutputTokens = total.OutputTokens,
                ComputeMs = total.ComputeMs,
                Events = total.Events,
                ToolCalls = report.Rows.Where(r => r.Keys.Count > 0 && r.Keys[0] == "tool_call").Sum(r => r.Events),
            };
        }
        catch (RpcException ex)
        {
            return new RunCost { Note = $"telemetry did not answer ({ex.StatusCode}): {ex.Status.Detail}" };
        }
    }

    public static string Format(decimal usd) => usd.ToString("0.#########", CultureInfo.InvariantCulture);
}
