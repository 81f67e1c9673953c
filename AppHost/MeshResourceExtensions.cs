namespace Aspire.Hosting;

internal static class MeshResourceExtensions
{
    /// <summary>
    /// A Mesh service: its gRPC (<c>http</c>, HTTP/2) and <c>health</c> (HTTP/1.1) endpoints come
    /// from the project's Kestrel settings; the orchestrator probes <c>/health</c> on the latter.
    /// Its usage spool lives under <see cref="StateFolder"/>, so a service killed in one run
    /// delivers what it left in the next.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddMeshService<TProject>(this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> apiKey)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithEnvironment("Mesh__BootstrapApiKey", apiKey)
            .WithEnvironment("Mesh__Usage__Spool__Directory", Path.Combine(StateFolder(builder), "usage-spool", name))
            .WithHttpHealthCheck("/health", endpointName: "health");

    /// <summary>Where the mesh keeps local state between runs: <c>Mesh:StateFolder</c>, by default <c>.mesh/</c> in the repository.</summary>
    public static string StateFolder(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration["Mesh:StateFolder"] ?? Path.Combine(builder.AppHostDirectory, "..", ".mesh"));

    /// <summary>
    /// Gives <paramref name="service"/> a generated key of its own (<c>Mesh:Service:Key</c>) and tells
    /// identity about it (<c>Mesh:Identity:Services:&lt;name&gt;:Key</c>). Set
    /// <c>Parameters:&lt;name&gt;-service-key</c> to choose it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceKey(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<ProjectResource> identity, IDistributedApplicationBuilder builder)
    {
        var name = service.Resource.Name;
        var key = builder.AddParameter($"{name}-service-key", new GenerateParameterDefault { MinLength = 40, Special = false }, secret: true);
        identity.WithEnvironment($"Mesh__Identity__Services__{name}__Key", key);
        return service.WithEnvironment("Mesh__Service__Key", key);
    }
}
