using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.DevServers;

namespace Mesh.Agents.Reliability.Tests;

/// <summary>
/// Real processes for the reliability tests: the inference service (tiny-gpt and MiniLM), the
/// ledger tool in this process, and agents processes that the tests kill and start again.
/// Every service listens on free loopback ports and authenticates with the test key.
/// </summary>
public sealed class MeshProcesses : IAsyncLifetime
{
    public const string Key = "reliability-test-key-0123456789abcdef";
    private const string AdminKey = "reliability-admin-key-0123456789abcdef";
    private ChildProcess? _inference;
    private LedgerTool? _ledger;

    public string Directory { get; } = Path.Combine(ScratchFolder.Root(), "mesh-agents-reliability", Guid.NewGuid().ToString("N"));

    public LedgerTool Ledger => _ledger ?? throw new InvalidOperationException("not started");

    public string InferenceUrl { get; private set; } = "";

    /// <summary>A port nothing listens on: usage goes nowhere (the run store's outbox is the ledger these tests read).</summary>
    public int DeadPort { get; } = FreePort.Next();

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        _ledger = await LedgerTool.StartAsync(Directory);
        var port = FreePort.Next();
        InferenceUrl = $"http://127.0.0.1:{port}";
        _inference = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Inference", typeof(MeshProcesses).Assembly), [], Environment("inference", port, new Dictionary<string, string>()));
        await _inference.WaitForLineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
    }

    /// <summary>Starts an agents process on <paramref name="port"/> with the given run store settings; returns once it listens.</summary>
    public async Task<ChildProcess> StartAgentsAsync(int port, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var extra = new Dictionary<string, string>(settings)
        {
            ["services__inference__http__0"] = InferenceUrl,
            ["services__tools__http__0"] = Ledger.Url,
            ["Mesh__Agents__Runs__PollInterval"] = "00:00:00.100",
        };
        var agents = ChildProcess.StartDotnet(MeshBuild.ProjectAssembly("Mesh.Agents", typeof(MeshProcesses).Assembly), [], Environment("agents", port, extra));
        await agents.WaitForLineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(120));
        return agents;
    }

    public static CallOptions Call(TimeSpan? timeout = null) =>
        new(new Metadata { { "authorization", $"Bearer {Key}" } }, DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)));

    public static GrpcChannel Channel(int port) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

    /// <summary>Stops (SIGSTOP) or resumes (SIGCONT) a process: a replica that hangs, then wakes up.</summary>
    public static void Signal(ChildProcess process, string signal)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit(10_000);
    }

    public async Task DisposeAsync()
    {
        _inference?.Dispose();
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // the OS cleans the scratch folder
        }
    }

    private Dictionary<string, string> Environment(string service, int port, Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel__Endpoints__health__Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Mesh__BootstrapApiKey"] = AdminKey,
            ["Mesh__ApiKeys__0__Key"] = Key,
            ["Mesh__ApiKeys__0__Tenant"] = "acme",
            ["Mesh__ApiKeys__0__Principal"] = "alice",
            ["Mesh__Authorization__Mode"] = "Credentials",
            ["Mesh__Service__Key"] = $"reliability-service-key-{service}-0123456789abcdef",
            ["services__telemetry__http__0"] = $"http://127.0.0.1:{DeadPort}",
            ["services__identity__http__0"] = $"http://127.0.0.1:{DeadPort}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging__LogLevel__Mesh.Agents.Runs.Engine"] = "Information",
            ["Logging__LogLevel__Mesh.Metering"] = "Error",
            ["OTEL_SDK_DISABLED"] = "true",
        };
        if (service == "inference")
        {
            environment["Kestrel__Endpoints__openai__Url"] = $"http://127.0.0.1:{FreePort.Next()}"; // the OpenAI-compatible front, off its fixed port
        }

        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }
}

[CollectionDefinition(Name)]
public sealed class ProcessCollection : ICollectionFixture<MeshProcesses>
{
    public const string Name = "processes";
}
