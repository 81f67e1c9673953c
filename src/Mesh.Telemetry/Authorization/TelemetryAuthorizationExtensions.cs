using Mesh.Telemetry.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

public static class TelemetryAuthorizationExtensions
{
    /// <summary>Reading analytics asks identity first.</summary>
    public static IServiceCollection AddTelemetryAuthorization(this IServiceCollection services) => services
        .AddAccessRule<UsageReadAccessRule>()
        .AddAccessRule<MetricsReadAccessRule>()
        .AddAccessRule<LedgerReadAccessRule>()
        .AddAccessRule<SqlReadAccessRule>()
        .AddAccessRule<ReplayReadAccessRule>()
        .AddAccessRule<FocusExportAccessRule>()
        .AddAccessRule<ForecastReadAccessRule>()
        .AddAccessRule<AlertRuleCreateAccessRule>()
        .AddAccessRule<AlertRuleDeleteAccessRule>();
}
