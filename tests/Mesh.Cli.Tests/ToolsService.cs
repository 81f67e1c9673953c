using System.Globalization;
using Mesh.DevServers;

namespace Mesh.Cli.Tests;

/// <summary>
/// The real tools service as a process of its own on free loopback ports (credentials mode: its
/// configured keys decide), with the test MCP servers installed; what the tools commands talk to.
/// </summary>
public sealed class ToolsService : IAsyncLifetime
{
    public const string AdminKey = "cli-test-admin-key-0000000000000000";
    public const string AcmeKey = "cli-test-acme-key-00000000000000000";
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"mesh-cli-tools-{Guid.NewGuid():N}");
    private ChildProcess? _process;

    public string Url { get; private set; } = "";

    /// <summary>The CLI's environment: the tools service's address and tenant acme's key.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["MESH_TOOLS_URL"] = Url,
        ["MESH_API_KEY"] = AcmeKey,
    };

    public async Task InitializeAsync()
    {
        var grpc = FreePort.Next();
        Url = $"http://127.0.0.1:{grpc.ToString(CultureInfo.InvariantCulture)}";
        _process = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Tools"), [], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = Url,
            ["Kestrel__Endpoints__health__Url"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
            ["Kestrel__Endpoints__mcp__Url"] = $"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}",
            ["Mesh__BootstrapApiKey"] = AdminKey,
            ["Mesh__ApiKeys__0__Key"] = AcmeKey,
            ["Mesh__ApiKeys__0__Tenant"] = "acme",
            ["Mesh__ApiKeys__0__Principal"] = "alice",
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["Mesh__Service__Key"] = "cli-test-service-key-tools-0000000000000000",
            ["Mesh__Tools__DataDirectory"] = _data,
            ["Mesh__Tools__Mcp__ServerRoots__0"] = LocalMcpServers.Root,
            ["Mesh__Usage__ShutdownFlushTimeout"] = "00:00:01",
            // No telemetry here: usage waits in the buffer, prices show as unknown.
            ["services__telemetry__http__0"] = "http://127.0.0.1:9",
            ["services__identity__http__0"] = "http://127.0.0.1:9",
            ["services__inference__http__0"] = "http://127.0.0.1:9",
        });
        await _process.WaitForLineAsync(line => line.Contains("Now listening on", StringComparison.Ordinal) && line.Contains(Url, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        _process?.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}
