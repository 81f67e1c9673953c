using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Telemetry.Storage;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Analytics.Ledger;

/// <summary>Cost per agent run, workflow or tool as ledger rows.</summary>
public sealed class LedgerReader(IUsageStore store)
{
    public static LedgerSpec Parse(LedgerQuery request, Caller caller, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (from, to) = QueryWindow.Parse(request.From, request.To, TimeSpan.FromDays(7), now);
        var level = request.Level.Length == 0 ? "run" : request.Level.Trim().ToLowerInvariant();
        if (!LedgerSql.Levels.ContainsKey(level))
        {
            throw MeshErrors.InvalidArgument("level", $"'{request.Level}' is not a ledger level; use run, workflow or tool");
        }

        if (request.Limit is < 0 or > 10_000)
        {
            throw MeshErrors.InvalidArgument("limit", $"must be between 1 and 10000 (0 means 100); got {request.Limit}");
        }

        return new LedgerSpec
        {
            From = from,
            To = to,
            Level = level,
            TenantId = QueryScope.Tenant(request.TenantId, caller),
            AgentId = request.AgentId.Length == 0 ? null : request.AgentId,
            RunId = request.RunId.Length == 0 ? null : request.RunId,
            Limit = request.Limit == 0 ? 100 : request.Limit,
        };
    }

    public async Task<LedgerReport> ReadAsync(LedgerSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rows = await store.ReadAsync(LedgerSql.Build(store.Dialect, spec), SqlReadLimits.Internal, cancellationToken);
        var report = new LedgerReport
        {
            Level = spec.Level,
            From = Timestamp.FromDateTime(DateTime.SpecifyKind(spec.From, DateTimeKind.Utc)),
            To = Timestamp.FromDateTime(DateTime.SpecifyKind(spec.To, DateTimeKind.Utc)),
        };
        report.Rows.AddRange(rows.Rows.Select(Row));
        return report;
    }

    private static LedgerRow Row(string?[] r)
    {
        var events = Int(r[2]);
        var errors = Int(r[12]);
        return new LedgerRow
        {
            Key = r[0] ?? "",
            Runs = Int(r[1]),
            Events = events,
            Steps = Int(r[3]),
            ModelCalls = Int(r[4]),
            InputTokens = Int(r[5]),
            OutputTokens = Int(r[6]),
            ToolCalls = Int(r[7]),
            DeviceMs = Int(r[8]) / 1000.0,
            ModelCostUsd = Cost(r[9]),
            ToolCostUsd = Cost(r[10]),
            CostUsd = Cost(r[11]),
            Errors = errors,
            SuccessRate = events == 0 ? 0 : (double)(events - errors) / events,
            FirstAt = Micros(r[13]),
            LastAt = Micros(r[14]),
        };
    }

    private static long Int(string? text) => text is null ? 0 : long.Parse(text, CultureInfo.InvariantCulture);

    private static string Cost(string? text) => AnalyticsService.FormatCost(text is null ? 0 : decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));

    private static Timestamp Micros(string? text) => Timestamp.FromDateTime(DateTime.UnixEpoch.AddTicks(Int(text) * 10));
}
