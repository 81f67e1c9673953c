using Grpc.Core;
using Grpc.Net.ClientFactory;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Mesh.ServiceDefaults.Instrumentation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

/// <summary>gRPC as every Mesh service serves and calls it.</summary>
public static class MeshGrpcExtensions
{
    /// <summary>
    /// gRPC with the server interceptors the Mesh libraries register (in their stage order, see
    /// <see cref="ServerInterceptorStage"/>), health and reflection, the service's name, meter
    /// and activity source.
    /// </summary>
    public static IHostApplicationBuilder AddMeshGrpc(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new MeshServiceInfo(serviceName));
        services.TryAddSingleton<GenAiMetrics>();
        services.TryAddSingleton<ServerCallPipeline>();
        services.AddOptions<MeshGrpcOptions>().BindConfiguration(MeshGrpcOptions.SectionName);
        services.AddGrpc();
        services.AddServerInterceptor<ExceptionInterceptor>(ServerInterceptorStage.Errors);
        services.TryAddEnumerable(ServiceDescriptor.Transient<Microsoft.Extensions.Options.IConfigureOptions<global::Grpc.AspNetCore.Server.GrpcServiceOptions>, MeshServerInterceptors>());
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();
        return builder;
    }

    /// <summary>
    /// Adds a server interceptor at <paramref name="stage"/>: calls pass the stages in ascending
    /// order. One instance serves every call, so an interceptor keeps no per-call state in fields.
    /// </summary>
    public static IServiceCollection AddServerInterceptor<TInterceptor>(this IServiceCollection services, ServerInterceptorStage stage)
        where TInterceptor : global::Grpc.Core.Interceptors.Interceptor
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!services.Any(d => d.ImplementationInstance is ServerInterceptorRegistration r && r.InterceptorType == typeof(TInterceptor)))
        {
            services.AddSingleton(new ServerInterceptorRegistration(typeof(TInterceptor), stage));
        }

        // Registered, gRPC resolves the interceptor from the container; unregistered, it would build one per call.
        services.TryAddSingleton<TInterceptor>();

        return services;
    }

    /// <summary>Maps health, <c>grpc.health.v1</c> and server reflection.</summary>
    public static WebApplication MapMeshService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapDefaultEndpoints();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>
    /// Registers a gRPC client for another Mesh service at <c>http://&lt;service&gt;</c>
    /// (resolved by service discovery from <c>services:&lt;service&gt;:http:0</c>). Outgoing calls
    /// pass every registered <see cref="IOutgoingCallEnricher"/> (the default deadline, the
    /// caller's context) and are retried only when Unavailable.
    /// </summary>
    public static IHttpClientBuilder AddMeshClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : ClientBase
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<MeshGrpcOptions>().BindConfiguration(MeshGrpcOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutgoingCallEnricher, DefaultDeadline>());
        services.TryAddSingleton<OutgoingCallInterceptor>();
        return services
            .AddGrpcClient<TClient>(o => o.Address = new Uri($"http://{serviceName}"))
            .ConfigureChannel(channel => channel.ServiceConfig = RetryUnavailable())
            .AddInterceptor<OutgoingCallInterceptor>(InterceptorScope.Client)
            .EnableCallContextPropagation(o => o.SuppressContextNotFoundErrors = true);
    }

    private static global::Grpc.Net.Client.Configuration.ServiceConfig RetryUnavailable() => new()
    {
        MethodConfigs =
        {
            new global::Grpc.Net.Client.Configuration.MethodConfig
            {
                Names = { global::Grpc.Net.Client.Configuration.MethodName.Default },
                RetryPolicy = new global::Grpc.Net.Client.Configuration.RetryPolicy
                {
                    MaxAttempts = 4,
                    InitialBackoff = TimeSpan.FromMilliseconds(100),
                    MaxBackoff = TimeSpan.FromSeconds(2),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            },
        },
    };
}
