namespace Aspire.Hosting;

internal static class MeshResourceExtensions
{
    /// <summary>
    /// A Mesh service: its gRPC (<c>http</c>, HTTP/2) and <c>health</c> (HTTP/1.1) endpoints come
    /// from the project's Kestrel settings; the orchestrator probes <c>/health</c> on the latter.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddMeshService<TProject>(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> apiKey)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithEnvironment("Mesh__BootstrapApiKey", apiKey)
            .WithHttpHealthCheck("/health", endpointName: "health");
}
