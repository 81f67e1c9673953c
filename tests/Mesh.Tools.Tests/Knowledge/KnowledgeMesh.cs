using Mesh.Inference.Api;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Tools.Tests.Knowledge;

/// <summary>The tools service in memory with the real inference service (all-MiniLM-L6-v2) beside it.</summary>
public sealed class KnowledgeMesh : IAsyncLifetime
{
    public MeshServiceFactory<InferenceService> Inference { get; } = new();

    public ToolsFactory Tools { get; } = new();

    public Mesh.Tools.V1.Knowledge.KnowledgeClient Knowledge => new(Tools.CreateChannel());

    public Mesh.Tools.V1.Tools.ToolsClient ToolsClient => new(Tools.CreateChannel());

    public Task InitializeAsync()
    {
        Inference.StartServer();
        Tools.WithServices(services =>
            services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient)).ConfigurePrimaryHttpMessageHandler(() => new LazyHandler(() => Inference.Server.CreateHandler())));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Tools.DisposeAsync();
        await Inference.DisposeAsync();
    }
}
