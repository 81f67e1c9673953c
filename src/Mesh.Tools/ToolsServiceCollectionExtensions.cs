using Mesh.Tools.Calculator;
using Mesh.Tools.Clock;
using Mesh.Tools.Execution;
using Mesh.Tools.Registry;
using Mesh.Tools.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools;

public static class ToolsServiceCollectionExtensions
{
    /// <summary>Registers the tool registry, the executor and the built-in tools.</summary>
    public static IHostApplicationBuilder AddTools(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, CalculatorTool>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, ClockTool>());
        services.TryAddSingleton<ToolRegistry>();
        services.TryAddSingleton<ToolExecutor>();
        services.TryAddSingleton<Mesh.Metering.Estimates.ComputeEstimator>();
        services.AddToolsStores();
        services.AddToolAuthorization();
        return builder;
    }
}
