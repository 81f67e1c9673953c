using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.ServiceDefaults.Usage;

/// <summary>Chooses where a service's usage goes: <c>Mesh:Usage:Sink</c> = <c>grpc</c> (default) or <c>kafka</c>.</summary>
public static class UsageSinkRegistration
{
    public const string KafkaConnectionName = "kafka";

    /// <summary>Registers both sinks and an <see cref="IUsageSink"/> that resolves to the configured one.</summary>
    public static IServiceCollection AddConfiguredUsageSink(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<UsageSinkOptions>().BindConfiguration(UsageSinkOptions.SectionName)
            .Validate(o => o.Sink is UsageSinkOptions.Grpc or UsageSinkOptions.Kafka,
                $"{UsageSinkOptions.SectionName}:Sink must be '{UsageSinkOptions.Grpc}' or '{UsageSinkOptions.Kafka}'")
            .ValidateOnStart();
        services.AddOptions<KafkaUsageOptions>().BindConfiguration(KafkaUsageOptions.SectionName);
        services.TryAddSingleton<ServiceCredential>();
        services.TryAddSingleton<GrpcUsageSink>();
        services.TryAddSingleton(CreateKafkaSink);
        services.TryAddSingleton<IUsageSink>(sp => sp.GetRequiredService<IOptions<UsageSinkOptions>>().Value.Sink == UsageSinkOptions.Kafka
            ? sp.GetRequiredService<KafkaUsageSink>()
            : sp.GetRequiredService<GrpcUsageSink>());
        return services;
    }

    private static KafkaUsageSink CreateKafkaSink(IServiceProvider services)
    {
        var bootstrap = services.GetRequiredService<IConfiguration>().GetConnectionString(KafkaConnectionName);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new InvalidOperationException(
                $"{UsageSinkOptions.SectionName}:Sink is '{UsageSinkOptions.Kafka}' but ConnectionStrings:{KafkaConnectionName} (the bootstrap servers) is not set");
        }

        return new KafkaUsageSink(
            bootstrap,
            services.GetRequiredService<IOptions<KafkaUsageOptions>>(),
            services.GetRequiredService<MeshServiceInfo>(),
            services.GetRequiredService<ILogger<KafkaUsageSink>>());
    }
}
