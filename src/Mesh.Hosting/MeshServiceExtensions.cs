using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Turns a web application into a Mesh gRPC service.</summary>
public static class MeshServiceExtensions
{
    /// <summary>
    /// The service defaults (OpenTelemetry, health, discovery), gRPC with health and reflection,
    /// security (authentication, authorization, audit) and the usage pipeline with both sinks.
    /// Registration order does not matter: a service adds its own parts before or after this.
    /// </summary>
    public static IHostApplicationBuilder AddMeshService(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddServiceDefaults();
        builder.AddMeshGrpc(serviceName);
        builder.Services.AddMeshSecurity();
        builder.Services.AddMeshMetering();
        builder.Services.AddKafkaUsageSink();
        return builder;
    }
}
