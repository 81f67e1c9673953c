using Mesh.Cli.Output;
using Mesh.Telemetry.V1;

namespace Mesh.Cli.Usage;

/// <summary>Joins reports with the same grouping (e.g. one per run) into one report with a summed total.</summary>
public static class UsageCombiner
{
    public static UsageReport Combine(IReadOnlyList<Dimension> groupBy, IEnumerable<UsageReport> reports)
    {
        ArgumentNullException.ThrowIfNull(groupBy);
        ArgumentNullException.ThrowIfNull(reports);
        var combined = new UsageReport { Total = new UsageRow() };
        combined.GroupBy.AddRange(groupBy);
        decimal cost = 0;
        foreach (var report in reports)
        {
            combined.Rows.AddRange(report.Rows);
            var total = report.Total ?? new UsageRow();
            combined.Total.Events += total.Events;
            combined.Total.Errors += total.Errors;
            combined.Total.InputTokens += total.InputTokens;
            combined.Total.OutputTokens += total.OutputTokens;
            combined.Total.CachedTokens += total.CachedTokens;
            combined.Total.ComputeMs += total.ComputeMs;
            cost += Formatting.TryParseCost(total.CostUsd, out var value) ? value : 0;
            if (report.From is not null && (combined.From is null || report.From < combined.From))
            {
                combined.From = report.From;
            }

            if (report.To is not null && (combined.To is null || report.To > combined.To))
            {
                combined.To = report.To;
            }
        }

        combined.Total.CostUsd = Formatting.Cost(cost);
        return combined;
    }
}
