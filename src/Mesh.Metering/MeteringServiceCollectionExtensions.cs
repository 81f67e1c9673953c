using Mesh.Metering;
using Mesh.Metering.Calls;
using Mesh.Metering.Spool;
using Mesh.ServiceDefaults.Grpc;
using Mesh.Telemetry.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class MeteringServiceCollectionExtensions
{
    /// <summary>
    /// The usage pipeline: the recorder services stamp events with, the spool that keeps them
    /// through a crash, the bounded buffer, the dead letters for events no store takes, and the
    /// shipper that delivers batches to the sink named by <c>Mesh:Usage:Sink</c> (<c>grpc</c>:
    /// telemetry, the default; other sinks register themselves under their name).
    /// </summary>
    public static IServiceCollection AddMeshMetering(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.AddOptions<UsageSinkOptions>().BindConfiguration(UsageSinkOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.AddOptions<SpoolOptions>().BindConfiguration(SpoolOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<SpoolOptions>>().Value.Enabled ? ActivatorUtilities.CreateInstance<UsageSpool>(sp) : null!);
        services.TryAddSingleton<UsageDeadLetters>();
        services.TryAddSingleton(sp => new UsageBuffer(sp.GetRequiredService<IOptions<UsageOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<UsageSpool>()));
        services.TryAddSingleton<IUsagePublisher>(sp => sp.GetRequiredService<UsageBuffer>());
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddSingleton<UsageShipper>();
        services.AddServerInterceptor<MeteringInterceptor>(ServerInterceptorStage.Metering);
        services.AddHostedService(sp => sp.GetRequiredService<UsageShipper>());
        services.AddMeshClient<UsageIngest.UsageIngestClient>("telemetry");
        services.TryAddKeyedSingleton<IUsageSink, GrpcUsageSink>(UsageSinkOptions.Grpc);
        services.TryAddSingleton(ConfiguredSink);
        return services;
    }

    /// <summary>Makes every call of an RPC one usage event (see <see cref="UsageScope"/>).</summary>
    public static IServiceCollection AddMeteredMethod(this IServiceCollection services, MeteredMethod method)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(method);
        if (!services.Any(d => d.ImplementationInstance is MeteredMethod m && m.Method == method.Method))
        {
            services.AddSingleton(method);
        }

        return services;
    }

    private static IUsageSink ConfiguredSink(IServiceProvider services)
    {
        var name = services.GetRequiredService<IOptions<UsageSinkOptions>>().Value.Sink;
        return services.GetKeyedService<IUsageSink>(name) ?? throw new InvalidOperationException(
            $"{UsageSinkOptions.SectionName}:Sink is '{name}', but this service has no such sink registered");
    }
}
