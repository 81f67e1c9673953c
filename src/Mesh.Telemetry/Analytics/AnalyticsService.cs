using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.Telemetry.Analytics.Ledger;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics;

/// <summary>Cost and usage breakdowns over the stored events, scoped to the caller's tenant.</summary>
public sealed class AnalyticsService(IUsageStore store, MetricsEngine metrics, LedgerReader ledger, TenantSql sql, TimeProvider time) : V1.Analytics.AnalyticsBase
{
    public override async Task<MetricsReport> GetMetrics(MetricsQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spec = MetricsQueryParser.Parse(request, Caller(), time.GetUtcNow());
        var result = await metrics.RunAsync(spec, context.CancellationToken);
        var report = new MetricsReport
        {
            From = Timestamp.FromDateTime(DateTime.SpecifyKind(spec.From, DateTimeKind.Utc)),
            To = Timestamp.FromDateTime(DateTime.SpecifyKind(spec.To, DateTimeKind.Utc)),
            Bucket = spec.Bucket?.Name ?? "",
            Source = result.FromRollup ? "rollup+events" : "events",
        };
        report.GroupBy.AddRange(spec.GroupBy);
        report.Metrics.AddRange(spec.Metrics);
        foreach (var row in result.Rows)
        {
            var message = new MetricsRow { CostUsd = FormatCost(row.CostUsd) };
            if (spec.Bucket is not null)
            {
                message.Bucket = Timestamp.FromDateTime(DateTime.UnixEpoch.AddSeconds(row.Bucket));
            }

            message.Keys.AddRange(row.Keys);
            message.Values.AddRange(row.Values);
            report.Rows.Add(message);
        }

        return report;
    }

    public override Task<LedgerReport> GetLedger(LedgerQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ledger.ReadAsync(LedgerReader.Parse(request, Caller(), time.GetUtcNow()), context.CancellationToken);
    }

    public override Task<SqlResult> QuerySql(SqlQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        // An admin reads the tenant it acts in (x-mesh-tenant); everyone else their own.
        return sql.RunAsync(request, caller.TenantId, context.CancellationToken);
    }

    private static Mesh.ServiceDefaults.Calls.Caller Caller() =>
        CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));

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
