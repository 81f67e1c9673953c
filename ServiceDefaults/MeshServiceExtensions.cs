using Grpc.Core;
using Grpc.Net.ClientFactory;
using Mesh.ServiceDefaults.Auth;
using Mesh.ServiceDefaults.Authorization;
using Mesh.ServiceDefaults.Errors;
using Mesh.ServiceDefaults.Grpc;
using Mesh.ServiceDefaults.Instrumentation;
using Mesh.ServiceDefaults.Pricing;
using Mesh.ServiceDefaults.Usage;
using Mesh.Telemetry.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>Turns a web application into a Mesh gRPC service.</summary>
public static class MeshServiceExtensions
{
    /// <summary>
    /// Adds the service defaults, gRPC with authentication and error mapping, health and
    /// reflection, the GenAI metrics and the usage pipeline to telemetry.
    /// </summary>
    public static IHostApplicationBuilder AddMeshService(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        builder.AddServiceDefaults();
        builder.AddDefaultPrices();
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new MeshServiceInfo(serviceName));
        services.TryAddSingleton<GenAiMetrics>();

        services.AddOptions<MeshGrpcOptions>().BindConfiguration(MeshGrpcOptions.SectionName);
        services.AddMeshAuthentication();
        services.AddMeshAuthorization();

        var grpcOptions = builder.Configuration.GetSection(MeshGrpcOptions.SectionName).Get<MeshGrpcOptions>() ?? new MeshGrpcOptions();
        services.AddGrpc(o =>
        {
            o.Interceptors.Add<ExceptionInterceptor>();
            o.Interceptors.Add<AuthenticationInterceptor>();
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.MaxReceiveMessageSize = grpcOptions.MaxReceiveMessageBytes;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks();
        services.TryAddSingleton<CallerPropagationInterceptor>();

        services.AddUsagePipeline();
        services.AddPriceCatalog();
        return builder;
    }

    /// <summary>The price catalog (<c>Mesh:Pricing</c>), validated at start.</summary>
    public static IServiceCollection AddPriceCatalog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        services.TryAddSingleton<PriceCatalog>();
        return services;
    }

    /// <summary>
    /// Adds the default price list shipped beside the binaries as the lowest-precedence
    /// configuration source, so appsettings, environment and arguments override it.
    /// </summary>
    private static void AddDefaultPrices(this IHostApplicationBuilder builder)
    {
        var source = new JsonConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
            Path = "mesh-prices.json",
            Optional = true,
        };
        builder.Configuration.Sources.Insert(0, source);
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
    /// (resolved by service discovery from <c>services:&lt;service&gt;:http:0</c>), carrying the
    /// caller and deadline of the call being served and retrying only Unavailable.
    /// </summary>
    public static IHttpClientBuilder AddMeshClient<TClient>(this IServiceCollection services, string serviceName)
        where TClient : ClientBase
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CallerPropagationInterceptor>();
        services.AddOptions<MeshGrpcOptions>().BindConfiguration(MeshGrpcOptions.SectionName);
        return services
            .AddGrpcClient<TClient>(o => o.Address = new Uri($"http://{serviceName}"))
            .ConfigureChannel(channel => channel.ServiceConfig = RetryUnavailable())
            .AddInterceptor<CallerPropagationInterceptor>(InterceptorScope.Client)
            .EnableCallContextPropagation(o => o.SuppressContextNotFoundErrors = true);
    }

    private static void AddUsagePipeline(this IServiceCollection services)
    {
        services.AddOptions<UsageOptions>().BindConfiguration(UsageOptions.SectionName)
            .Validate(o => !o.Problems().Any(), "invalid Mesh:Usage settings")
            .ValidateOnStart();
        services.TryAddSingleton<UsageBuffer>();
        services.TryAddSingleton<IUsagePublisher>(sp => sp.GetRequiredService<UsageBuffer>());
        services.TryAddSingleton<UsageRecorder>();
        services.TryAddSingleton<UsageShipper>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageShipper>());
        if (!services.Any(d => d.ServiceType == typeof(IUsageSink)))
        {
            // Mesh:Usage:Sink chooses: grpc to telemetry (embedded, default) or kafka (distributed).
            services.AddMeshClient<UsageIngest.UsageIngestClient>("telemetry");
            services.AddConfiguredUsageSink();
        }
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
