using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Inference.Prewarm;

public static class PrewarmServiceExtensions
{
    /// <summary>Predictive pre-warm from telemetry's capacity view, when <c>Mesh:Inference:Prewarm:Enabled</c> is true.</summary>
    public static IServiceCollection AddPredictivePrewarm(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PrewarmOptions>().BindConfiguration(PrewarmOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {PrewarmOptions.SectionName} settings")
            .ValidateOnStart();
        if (!configuration.GetValue<bool>($"{PrewarmOptions.SectionName}:{nameof(PrewarmOptions.Enabled)}"))
        {
            return services;
        }

        services.AddMeshClient<Mesh.Telemetry.V1.Analytics.AnalyticsClient>("telemetry");
        services.TryAddSingleton<ICapacitySource, TelemetryCapacitySource>();
        services.TryAddSingleton<PredictivePrewarmer>();
        services.AddHostedService(sp => sp.GetRequiredService<PredictivePrewarmer>());
        return services;
    }
}
