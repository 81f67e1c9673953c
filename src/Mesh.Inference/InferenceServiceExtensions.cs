using Mesh.Inference.Api;
using Mesh.Inference.Embeddings;
using Mesh.Inference.Models;
using Mesh.Inference.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Inference;

public static class InferenceServiceExtensions
{
    /// <summary>
    /// Adds the model catalog, the model host (loads models at startup, readiness check
    /// <c>models</c>), ONNX Runtime sessions and the Inference gRPC service's dependencies.
    /// </summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName)
            .Validate(o => !o.Problems().Any(), $"invalid {InferenceOptions.SectionName} settings")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new ModelCatalog());
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<EmbeddingModelLoader>();
        services.TryAddSingleton<ModelHost>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.TryAddSingleton<EmbedRequestValidator>();
        services.TryAddSingleton<EmbeddingTelemetry>();
        services.AddHealthChecks().AddCheck<ModelsReadyHealthCheck>(ModelsReadyHealthCheck.Name, tags: ["ready"]);
        return builder;
    }
}
