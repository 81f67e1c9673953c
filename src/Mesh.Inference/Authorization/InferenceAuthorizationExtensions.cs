using Mesh.Inference.Authorization;
using Mesh.Metering.Calls;
using Mesh.Usage.V1;

namespace Microsoft.Extensions.DependencyInjection;

public static class InferenceAuthorizationExtensions
{
    /// <summary>Every model call asks identity before it runs and is one usage event.</summary>
    public static IServiceCollection AddInferenceAuthorization(this IServiceCollection services) => services
        .AddAccessRule<EmbedAccessRule>().AddAccessRule<GenerateAccessRule>().AddAccessRule<InferAccessRule>()
        .AddMeteredMethod(new MeteredMethod("/mesh.inference.v1.Inference/Embed", UsageKind.Embedding))
        .AddMeteredMethod(new MeteredMethod("/mesh.inference.v1.Inference/Generate", UsageKind.ModelCall))
        .AddMeteredMethod(new MeteredMethod("/mesh.inference.v1.Inference/Infer", UsageKind.ModelCall));
}
