using Mesh.Agents.Runs.Api;
using Mesh.Inference.Api;
using Mesh.Testing;
using Mesh.Tools;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Agents.Tests;

/// <summary>The agents service in memory with its own run store, calling real inference and tools services also in memory (tools calling inference too).</summary>
public sealed class InMemoryMesh : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"mesh-agents-{Guid.NewGuid():N}");

    public InMemoryMesh()
    {
        Directory.CreateDirectory(_directory);
        // Tools embeds knowledge (the handbook that retrieve steps search) through inference.
        Tools.WithServices(services => services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient))
            .ConfigurePrimaryHttpMessageHandler(() => Inference.Server.CreateHandler()));
        Inference.StartServer();
        Tools.StartServer();
        Agents = StartAgents();
    }

    public MeshServiceFactory<InferenceService> Inference { get; } = new();

    public MeshServiceFactory<ToolsService> Tools { get; } = new();

    public MeshServiceFactory<AgentsService> Agents { get; private set; }

    public string RunStorePath => Path.Combine(_directory, "runs.db");

    public Agents.V1.Agents.AgentsClient AgentsClient() => new(Agents.CreateChannel());

    /// <summary>Stops the agents service and starts a new one on the same run store (a restart).</summary>
    public void RestartAgents()
    {
        Agents.Dispose();
        Agents = StartAgents();
    }

    public void Dispose()
    {
        Agents.Dispose();
        Tools.Dispose();
        Inference.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a closing host; the OS cleans the temp directory
        }
    }

    private MeshServiceFactory<AgentsService> StartAgents()
    {
        var agents = new MeshServiceFactory<AgentsService>()
            .WithSetting("Mesh:Agents:Runs:DatabasePath", RunStorePath)
            .WithSetting("Mesh:Agents:Runs:PollInterval", "00:00:00.050")
            .WithServices(services =>
            {
                services.AddHttpClient(nameof(Mesh.Inference.V1.Inference.InferenceClient)).ConfigurePrimaryHttpMessageHandler(() => Inference.Server.CreateHandler());
                services.AddHttpClient(nameof(Mesh.Tools.V1.Tools.ToolsClient)).ConfigurePrimaryHttpMessageHandler(() => Tools.Server.CreateHandler());
            });
        agents.StartServer();
        return agents;
    }
}
