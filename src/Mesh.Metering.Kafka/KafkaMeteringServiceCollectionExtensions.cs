using Mesh.Metering;
using Mesh.Metering.Kafka;
using Mesh.ServiceDefaults.Grpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class KafkaMeteringServiceCollectionExtensions
{
    /// <summary>The Kafka usage sink, chosen with <c>Mesh:Usage:Sink=kafka</c> (bootstrap servers in <c>ConnectionStrings:kafka</c>).</summary>
    public static IServiceCollection AddKafkaUsageSink(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KafkaUsageOptions>().BindConfiguration(KafkaUsageOptions.SectionName);
        services.TryAddSingleton(CreateKafkaSink);
        services.TryAddKeyedSingleton<IUsageSink>(UsageSinkOptions.Kafka, (sp, _) => sp.GetRequiredService<KafkaUsageSink>());
        return services;
    }

    private static KafkaUsageSink CreateKafkaSink(IServiceProvider services)
    {
        var bootstrap = services.GetRequiredService<IConfiguration>().GetConnectionString(UsageTopic.ConnectionName);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            throw new InvalidOperationException(
                $"{UsageSinkOptions.SectionName}:Sink is '{UsageSinkOptions.Kafka}' but ConnectionStrings:{UsageTopic.ConnectionName} (the bootstrap servers) is not set");
        }

        return new KafkaUsageSink(
            bootstrap,
            services.GetRequiredService<IOptions<KafkaUsageOptions>>(),
            services.GetRequiredService<MeshServiceInfo>(),
            services.GetRequiredService<ILogger<KafkaUsageSink>>());
    }
}
