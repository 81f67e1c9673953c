using Mesh.Telemetry.V1;

namespace Microsoft.Extensions.DependencyInjection;

public static class TelemetryAuthorizationExtensions
{
    private const string Analytics = "analytics";
    private const string Reader = "reader";
    private const string Writer = "writer";

    /// <summary>
    /// Telemetry's RPCs ask identity first, each for a relation on one analytics resource, open to
    /// a tenant's members until a relation restricts it: reading usage, metrics, the ledger, SQL,
    /// replays, FOCUS exports and forecasts needs <c>analytics:usage#reader</c>; changing alert rules
    /// <c>analytics:alerts#writer</c>; reading capabilities and the VRIO report
    /// <c>analytics:vrio#reader</c>, setting capability metadata <c>analytics:vrio#writer</c>; and
    /// recording outcomes <c>analytics:outcomes#writer</c>.
    /// </summary>
    public static IServiceCollection AddTelemetryAuthorization(this IServiceCollection services) => services
        .AddFixedResourceRule<UsageQuery>("/mesh.telemetry.v1.Analytics/GetUsage", Analytics, "usage", Reader)
        .AddFixedResourceRule<MetricsQuery>("/mesh.telemetry.v1.Analytics/GetMetrics", Analytics, "usage", Reader)
        .AddFixedResourceRule<LedgerQuery>("/mesh.telemetry.v1.Analytics/GetLedger", Analytics, "usage", Reader)
        .AddFixedResourceRule<SqlQuery>("/mesh.telemetry.v1.Analytics/QuerySql", Analytics, "usage", Reader)
        .AddFixedResourceRule<ReplayRequest>("/mesh.telemetry.v1.Prices/ReplayCost", Analytics, "usage", Reader)
        .AddFixedResourceRule<FocusExportRequest>("/mesh.telemetry.v1.Analytics/ExportFocus", Analytics, "usage", Reader)
        .AddFixedResourceRule<ForecastQuery>("/mesh.telemetry.v1.Analytics/GetForecast", Analytics, "usage", Reader)
        .AddFixedResourceRule<AlertRule>("/mesh.telemetry.v1.Alerts/CreateAlertRule", Analytics, "alerts", Writer)
        .AddFixedResourceRule<DeleteAlertRuleRequest>("/mesh.telemetry.v1.Alerts/DeleteAlertRule", Analytics, "alerts", Writer)
        .AddFixedResourceRule<VrioReportRequest>("/mesh.telemetry.v1.Vrio/GetReport", Analytics, "vrio", Reader)
        .AddFixedResourceRule<GetCapabilityRequest>("/mesh.telemetry.v1.Vrio/GetCapability", Analytics, "vrio", Reader)
        .AddFixedResourceRule<ListCapabilitiesRequest>("/mesh.telemetry.v1.Vrio/ListCapabilities", Analytics, "vrio", Reader)
        .AddFixedResourceRule<Capability>("/mesh.telemetry.v1.Vrio/SetCapability", Analytics, "vrio", Writer)
        .AddFixedResourceRule<Outcome>("/mesh.telemetry.v1.Vrio/RecordOutcome", Analytics, "outcomes", Writer);
}
