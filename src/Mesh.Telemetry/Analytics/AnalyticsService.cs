using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Pricing;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Analytics.Focus;
using Mesh.Telemetry.Analytics.Forecasting;
using Mesh.Telemetry.Analytics.Ledger;
using Mesh.Telemetry.Analytics.Metrics;
using Mesh.Telemetry.Analytics.Sql;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics;

/// <summary>Cost and usage breakdowns over the stored events, scoped to the caller's tenant.</summary>
public sealed class AnalyticsService(IUsageStore store, MetricsEngine metrics, LedgerReader ledger, TenantSql sql, ForecastReader forecasts, CapacityReader capacity, TimeProvider time) : V1.Analytics.AnalyticsBase
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

    public override async Task ExportFocus(FocusExportRequest request, IServerStreamWriter<FocusChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var (from, to) = QueryWindow.Parse(request.From, request.To, TimeSpan.FromDays(30), time.GetUtcNow());
        var period = request.ChargePeriod.Length == 0 ? TimeBucket.Day : TimeBucket.Parse(request.ChargePeriod);
        if (period is null || period == TimeBucket.Minute || period == TimeBucket.Week)
        {
            throw MeshErrors.InvalidArgument("charge_period", $"'{request.ChargePeriod}' is not a charge period; use hour, day or month");
        }

        if (period.Count(from, to) > MetricsQueryParser.MaxPoints)
        {
            throw MeshErrors.InvalidArgument("charge_period", $"{period.Name} charge periods over {(to - from).TotalDays:0.#} days are too many; choose day or month, or a shorter window");
        }

        var spec = new MetricsSpec
        {
            From = from,
            To = to,
            Bucket = period,
            GroupBy = FocusCsv.GroupBy,
            TenantId = QueryScope.Tenant(request.TenantId, caller),
            Metrics = ["events"],
            Limit = int.MaxValue,
        };
        var result = await metrics.RunAsync(spec, context.CancellationToken);
        var chunk = new System.Text.StringBuilder(FocusCsv.Header());
        foreach (var row in result.Rows.OrderBy(r => r.Bucket).ThenBy(r => string.Join('\u001f', r.Keys), StringComparer.Ordinal))
        {
            chunk.Append(FocusCsv.Row(row, period));
            if (chunk.Length > 64 * 1024)
            {
                await responseStream.WriteAsync(new FocusChunk { Csv = Google.Protobuf.ByteString.CopyFrom(FocusCsv.Bytes(chunk.ToString())) }, context.CancellationToken);
                chunk.Clear();
            }
        }

        await responseStream.WriteAsync(new FocusChunk { Csv = Google.Protobuf.ByteString.CopyFrom(FocusCsv.Bytes(chunk.ToString())) }, context.CancellationToken);
    }

    public override Task<ForecastReport> GetForecast(ForecastQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return forecasts.ForecastAsync(request, Caller(), context.CancellationToken);
    }

    public override Task<CapacityReport> GetCapacity(CapacityQuery request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return capacity.ReadAsync(request, Caller(), context.CancellationToken);
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
