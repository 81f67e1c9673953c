using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.DevServers;

namespace Mesh.AppHost.Tests;

/// <summary>
/// The whole mesh in distributed mode as the AppHost starts it: the five services, the Kafka
/// mock broker, ClickHouse and the migrator, on free ports and a data folder of its own, so
/// it never meets a mesh someone runs on the default ports.
/// </summary>
public sealed class DistributedMeshFixture : IAsyncDisposable
{
    public const string ApiKey = "distributed-e2e-admin-key-3b9f6c2d71a04e58";

    private readonly Dictionary<string, GrpcChannel> _channels = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mesh-distributed-e2e", Guid.NewGuid().ToString("N"));
    private readonly int _kafkaPort = FreePort.Next();
    private readonly int _kafkaControlPort = FreePort.Next();
    private readonly int _clickHouseHttpPort = FreePort.Next();
    private readonly int _clickHouseTcpPort = FreePort.Next();
    private readonly int _postgresPort = FreePort.Next();
    private DistributedApplication? _app;

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The mesh is not started.");

    /// <summary>The embedded store telemetry would use; distributed mode must leave it alone.</summary>
    public string DuckDbPath => Path.Combine(_folder, "usage.duckdb");

    public static async Task<DistributedMeshFixture> StartAsync(CancellationToken cancellationToken)
    {
        var mesh = new DistributedMeshFixture();
        try
        {
            await mesh.InitializeAsync(cancellationToken);
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    public GrpcChannel Channel(string service)
    {
        if (!_channels.TryGetValue(service, out var channel))
        {
            channel = GrpcChannel.ForAddress(App.GetEndpoint(service, "http"));
            _channels[service] = channel;
        }

        return channel;
    }

    public static CallOptions As(string tenant = "acme") =>
        new(new Metadata { { "authorization", $"Bearer {ApiKey}" }, { "x-mesh-tenant", tenant } }, DateTime.UtcNow.AddSeconds(60));

    /// <summary>Runs a query on the mesh's ClickHouse over HTTP; returns the response text.</summary>
    public async Task<string> ClickHouseAsync(string sql, CancellationToken cancellationToken)
    {
        using var content = new StringContent(sql, Encoding.UTF8);
        using var response = await _http.PostAsync(new Uri($"http://127.0.0.1:{_clickHouseHttpPort}/"), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"ClickHouse: {text}");
    }

    /// <summary>The processes of this mesh's servers still running 30 s after it was stopped (then ended).</summary>
    public IReadOnlyList<string> LeftAfterStop { get; private set; } = [];

    /// <summary>Processes of this mesh's broker or ClickHouse that are still running.</summary>
    public IReadOnlyList<string> LeftoverServers() =>
        [.. LeftoverProcesses().Select(p => $"{p.Pid}: {p.CommandLine.Replace('\0', ' ')}")];

    private IEnumerable<(int Pid, string CommandLine)> LeftoverProcesses()
    {
        var marks = new[] { _folder, $"--control-port\0{_kafkaControlPort.ToString(CultureInfo.InvariantCulture)}\0" };
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var pid))
            {
                continue;
            }

            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(process, "cmdline"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // It ended while being read.
            }

            if (marks.Any(m => commandLine.Contains(m, StringComparison.Ordinal)))
            {
                yield return (pid, commandLine);
            }
        }
    }

    private void KillLeftoverServers()
    {
        foreach (var (pid, _) in LeftoverProcesses().ToList())
        {
            try
            {
                using var leftover = Process.GetProcessById(pid);
                leftover.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // It ended on its own.
            }
        }
    }

    /// <summary>ClickHouse logs to files of its own folder; the last lines of its error log.</summary>
    private string ClickHouseErrors()
    {
        var log = Path.Combine(_folder, "clickhouse", "server.err.log");
        return File.Exists(log)
            ? $"ClickHouse's error log ends:\n{string.Join('\n', File.ReadLines(log).TakeLast(20))}\n"
            : "ClickHouse wrote no error log.\n";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }

        _http.Dispose();
        try
        {
            if (_app is not null)
            {
                await MeshStartup.StopAsync(_app, TimeSpan.FromMinutes(2));
            }
        }
        finally
        {
            // The orchestrator stops its children shortly after the application is disposed; what
            // a stop that failed left running is ended here, so it cannot outlive the test run.
            for (var waited = 0; waited < 60 && LeftoverServers().Count > 0; waited++)
            {
                await Task.Delay(500);
            }

            LeftAfterStop = LeftoverServers();
            KillLeftoverServers();

            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's cleanup.
            }
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        _app = await MeshStartup.BuildAsync(
        [
            "Mesh:Demo=false",
            "Mesh:Mode=distributed",
            $"Parameters:bootstrap-api-key={ApiKey}",
            $"Mesh:Distributed:KafkaPort={_kafkaPort}",
            $"Mesh:Distributed:KafkaControlPort={_kafkaControlPort}",
            $"Mesh:Distributed:ClickHouseHttpPort={_clickHouseHttpPort}",
            $"Mesh:Distributed:ClickHouseTcpPort={_clickHouseTcpPort}",
            $"Mesh:Distributed:ClickHouseFolder={Path.Combine(_folder, "clickhouse")}",
            $"Mesh:Distributed:PostgresPort={_postgresPort}",
            $"Mesh:Distributed:PostgresFolder={Path.Combine(_folder, "postgres")}",
            $"Mesh:StateFolder={_folder}",
        ],
            builder => MeshStartup.PriceEmbeddingsByTokens(builder, DuckDbPath),
            TimeSpan.FromMinutes(4),
            cancellationToken);

        // A first ClickHouse start on a fresh machine, initdb and ten service processes share two cores.
        await MeshStartup.StartAsync(_app, MeshFixture.Services, TimeSpan.FromMinutes(5), cancellationToken, ClickHouseErrors);
    }
}
