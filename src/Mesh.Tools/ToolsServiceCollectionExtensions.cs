using Mesh.Telemetry.V1;
using Mesh.Tools.Egress;
using Mesh.Tools.Knowledge;
using Mesh.Tools.Mcp;
using Mesh.Tools.Calculator;
using Mesh.Tools.Clock;
using Mesh.Tools.Execution;
using Mesh.Tools.Pricing;
using Mesh.Tools.Registry;
using Mesh.Tools.Runtimes;
using Mesh.Tools.Sandbox;
using Mesh.Tools.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools;

public static class ToolsServiceCollectionExtensions
{
    /// <summary>Registers the per-tenant tool registry, its runtimes, the executor and the built-in tools.</summary>
    public static IHostApplicationBuilder AddTools(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, CalculatorTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, ClockTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, Analytics.UsageSqlTool>());
        services.AddMeshClient<Mesh.Telemetry.V1.Analytics.AnalyticsClient>("telemetry");
        services.TryAddSingleton<ToolRegistry>();
        services.TryAddSingleton<ToolExecutor>();
        services.TryAddSingleton<Mesh.Metering.Estimates.ComputeEstimator>();
        services.AddToolsStores();
        services.AddToolRuntimes();
        services.AddSandbox();
        services.AddEgress();
        services.AddMcpToolSources();
        services.AddKnowledge();
        services.TryAddSingleton<IToolPrices, TelemetryToolPrices>();
        services.AddMeshClient<Prices.PricesClient>("telemetry");
        services.AddToolAuthorization();
        return builder;
    }

    /// <summary>Registered tools: their definitions, the registrations service and the source the registry reads.</summary>
    private static IServiceCollection AddToolRuntimes(this IServiceCollection services)
    {
        services.AddOptions<ToolRegistrationOptions>().BindConfiguration(ToolRegistrationOptions.SectionName)
            .ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton<SqliteToolDefinitionStore>();
        services.TryAddSingleton<ToolRegistrations>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantToolSource, RegisteredToolSource>());
        return services;
    }
}
