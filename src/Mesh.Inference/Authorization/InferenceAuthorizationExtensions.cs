using Mesh.Inference.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

public static class InferenceAuthorizationExtensions
{
    /// <summary>Model calls ask identity before they run.</summary>
    public static IServiceCollection AddInferenceAuthorization(this IServiceCollection services) =>
        services.AddAccessRule<EmbedAccessRule>().AddAccessRule<GenerateAccessRule>();
}
