using Mesh.Security.Authorization;
using Mesh.Telemetry.V1;

namespace Mesh.Telemetry.Authorization;

/// <summary>
/// <c>GetUsage</c> needs <c>analytics:usage#reader</c> in the caller's tenant (open to members
/// until a reader relation restricts it). The query itself stays scoped to that tenant.
/// </summary>
public sealed class UsageReadAccessRule : AccessRule<UsageQuery>
{
    public const string Resource = "usage";

    public override string Method => "/mesh.telemetry.v1.Analytics/GetUsage";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(UsageQuery request) => Resource;
}

/// <summary>The other analytics reads need the same relation as <see cref="UsageReadAccessRule"/>.</summary>
public sealed class MetricsReadAccessRule : AccessRule<MetricsQuery>
{
    public override string Method => "/mesh.telemetry.v1.Analytics/GetMetrics";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(MetricsQuery request) => UsageReadAccessRule.Resource;
}

public sealed class LedgerReadAccessRule : AccessRule<LedgerQuery>
{
    public override string Method => "/mesh.telemetry.v1.Analytics/GetLedger";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(LedgerQuery request) => UsageReadAccessRule.Resource;
}

public sealed class SqlReadAccessRule : AccessRule<SqlQuery>
{
    public override string Method => "/mesh.telemetry.v1.Analytics/QuerySql";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(SqlQuery request) => UsageReadAccessRule.Resource;
}

public sealed class ReplayReadAccessRule : AccessRule<ReplayRequest>
{
    public override string Method => "/mesh.telemetry.v1.Prices/ReplayCost";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(ReplayRequest request) => UsageReadAccessRule.Resource;
}

public sealed class FocusExportAccessRule : AccessRule<FocusExportRequest>
{
    public override string Method => "/mesh.telemetry.v1.Analytics/ExportFocus";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(FocusExportRequest request) => UsageReadAccessRule.Resource;
}

public sealed class ForecastReadAccessRule : AccessRule<ForecastQuery>
{
    public override string Method => "/mesh.telemetry.v1.Analytics/GetForecast";

    public override string ResourceType => "analytics";

    public override string Relation => "reader";

    protected override string ResourceOf(ForecastQuery request) => UsageReadAccessRule.Resource;
}

/// <summary>Changing alert rules needs <c>analytics:alerts#writer</c> (open to members until a relation restricts it).</summary>
public sealed class AlertRuleCreateAccessRule : AccessRule<AlertRule>
{
    public override string Method => "/mesh.telemetry.v1.Alerts/CreateAlertRule";

    public override string ResourceType => "analytics";

    public override string Relation => "writer";

    protected override string ResourceOf(AlertRule request) => "alerts";
}

public sealed class AlertRuleDeleteAccessRule : AccessRule<DeleteAlertRuleRequest>
{
    public override string Method => "/mesh.telemetry.v1.Alerts/DeleteAlertRule";

    public override string ResourceType => "analytics";

    public override string Relation => "writer";

    protected override string ResourceOf(DeleteAlertRuleRequest request) => "alerts";
}
