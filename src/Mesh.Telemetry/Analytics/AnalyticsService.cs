using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics;

/// <summary>Cost and usage breakdowns over the stored events, scoped to the caller's tenant.</summary>
public sealed class AnalyticsService(IUsageStore store, TimeProvider time) : V1.Analytics.AnalyticsBase
{
    public override async Task<UsageReport> GetUsage(UsageQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));
        var query = UsageQueryParser.Parse(request, caller, time.GetUtcNow());
        var result = await store.QueryAsync(query, context.CancellationToken);

        var report = new UsageReport
        {
            Total = Row(result.Total),
            From = Timestamp.FromDateTime(DateTime.SpecifyKind(query.From, DateTimeKind.Utc)),
            To = Timestamp.FromDateTime(DateTime.SpecifyKind(query.To, DateTimeKind.Utc)),
        };
        report.GroupBy.AddRange(query.GroupBy);
        report.Rows.AddRange(result.Rows.Select(Row));
        return report;
    }

    /// <summary>The exact decimal text of a cost: nine fractional digits, invariant culture.</summary>
    public static string FormatCost(decimal cost) =>
        Math.Round(cost, PriceCatalog.CostScale, MidpointRounding.ToEven).ToString("F9", System.Globalization.CultureInfo.InvariantCulture);

    private static UsageRow Row(UsageAggregate aggregate)
    {
        var row = new UsageRow
        {
            Events = aggregate.Events,
            InputTokens = aggregate.InputTokens,
            OutputTokens = aggregate.OutputTokens,
            CachedTokens = aggregate.CachedTokens,
            ComputeMs = aggregate.ComputeMs,
            CostUsd = FormatCost(aggregate.CostUsd),
            Errors = aggregate.Errors,
        };
        row.Keys.AddRange(aggregate.Keys);
        return row;
    }
}
