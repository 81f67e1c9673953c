using Mesh.Inference.Api;
using Mesh.Inference.Devices;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Generation;
using Mesh.Inference.Models;
using Mesh.Inference.Placement;
using Mesh.Inference.Prewarm;
using Mesh.Inference.Runtime;
using Mesh.Inference.Scheduling;
using Mesh.Inference.Tensors;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Inference;

public static class InferenceServiceExtensions
{
    /// <summary>
    /// Adds the model repository and host (loads models at startup, readiness check
    /// <c>models</c>), the device pool, ONNX Runtime sessions, the schedulers and the
    /// Inference gRPC service's handlers, and the OpenAI-compatible HTTP front over them.
    /// </summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {InferenceOptions.SectionName} settings")
            .ValidateOnStart();
        services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {SchedulingOptions.SectionName} settings")
            .ValidateOnStart();
        services.AddOptions<DeviceOptions>().BindConfiguration(DeviceOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {DeviceOptions.SectionName} settings")
            .ValidateOnStart();
        services.AddOptions<PlacementOptions>().BindConfiguration(PlacementOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {PlacementOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new ModelCatalog());
        services.TryAddSingleton<ModelRepository>();
        services.TryAddSingleton<DevicePool>();
        services.TryAddSingleton<DeviceMetrics>();
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<EmbeddingModelLoader>();
        services.TryAddSingleton<DecoderModelLoader>();
        services.TryAddSingleton<TensorModelLoader>();
        services.TryAddSingleton<Hosted.HostedModelLoader>();
        services.TryAddSingleton<Hosted.HostedGenerator>();
        services.TryAddSingleton<Structured.StructuredOutput>();
        services.TryAddSingleton<ModelLoader>();
        services.TryAddSingleton<ModelFootprints>();
        services.TryAddSingleton<RecentQueueDepth>();
        // The default expected load follows recent queue depth; a forecast may be registered in its place.
        services.TryAddSingleton<IExpectedLoad>(sp => sp.GetRequiredService<RecentQueueDepth>());
        services.TryAddSingleton<ModelReplicas>();
        services.TryAddSingleton<ReplicaPlacer>();
        services.AddHostedService<ReplicaScaler>();
        services.TryAddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.TryAddSingleton<ModelResolver>();
        services.TryAddSingleton<EmbedRequestValidator>();
        services.TryAddSingleton<GenerateRequestValidator>();
        services.TryAddSingleton<InferenceTelemetry>();
        services.TryAddSingleton<Mesh.Metering.Estimates.ComputeEstimator>();
        services.TryAddSingleton<Authorization.ModelCallsInFlight>();
        services.TryAddSingleton<EmbedHandler>();
        services.TryAddSingleton<GenerateHandler>();
        services.TryAddSingleton<InferHandler>();
        services.TryAddSingleton<DeviceReport>();
        services.TryAddSingleton<ModelAdminHandler>();
        services.TryAddSingleton<InferenceService>();
        services.AddOptions<OpenAi.OpenAiOptions>().BindConfiguration(OpenAi.OpenAiOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {OpenAi.OpenAiOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton<OpenAi.OpenAiCall>();
        services.TryAddSingleton<OpenAi.ModelsEndpoint>();
        services.TryAddSingleton<OpenAi.EmbeddingsEndpoint>();
        services.TryAddSingleton<OpenAi.CompletionsEndpoint>();
        services.AddInferenceAuthorization();
        services.AddPredictivePrewarm(builder.Configuration);
        services.AddHealthChecks().AddCheck<ModelsReadyHealthCheck>(ModelsReadyHealthCheck.Name, tags: ["ready"]);
        return builder;
    }
}
