using Mesh.Agents.Runs;
using Mesh.Inference.Api;
using Mesh.Testing;
using Mesh.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Agents.Tests;

/// <summary>The agents service in memory, calling real inference and tools services also in memory.</summary>
public sealed class InMemoryMesh : IDisposable
{
    public InMemoryMesh()
    {
        Inference.StartServer();
        Tools.StartServer();
        Agents = new MeshServiceFactory<AgentsService>().WithServices(services =>
        {
            services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient)).ConfigurePrimaryHttpMessageHandler(() => Inference.Server.CreateHandler());
            services.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => Tools.Server.CreateHandler());
        });
    }

    public MeshServiceFactory<InferenceService> Inference { get; } = new();

    public MeshServiceFactory<ToolsService> Tools { get; } = new();

    public MeshServiceFactory<AgentsService> Agents { get; }

    public Agents.V1.Agents.AgentsClient AgentsClient() => new(Agents.CreateChannel());

    public void Dispose()
    {
        Agents.Dispose();
        Tools.Dispose();
        Inference.Dispose();
    }
}
