using System.Diagnostics;

namespace Mesh.DevServers;

/// <summary>
/// A ClickHouse server of its own: the installed binary on free loopback ports with a
/// temporary data folder, stopped and removed on dispose. Can be killed and restarted on the
/// same ports and data, for fault tests.
/// </summary>
public sealed class LocalClickHouse : IAsyncDisposable
{
    private const int PortTaken = 70;
    private readonly string _directory;
    private readonly string _config;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Process? _process;

    private LocalClickHouse(string directory, int httpPort, int tcpPort)
    {
        _directory = directory;
        HttpPort = httpPort;
        TcpPort = tcpPort;
        _config = ClickHouseConfig.Write(directory, httpPort, tcpPort);
    }

    public int HttpPort { get; }

    public int TcpPort { get; }

    /// <summary>The server's own folder: configuration, logs and data, deleted on dispose.</summary>
    public string DirectoryPath => _directory;

    /// <summary>A ClickHouse.Driver connection string (the store adds the settings 18.16 needs).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={HttpPort};Username=default";

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>Starts a server; fails with a clear message when ClickHouse is not installed.</summary>
    public static async Task<LocalClickHouse> StartAsync(CancellationToken cancellationToken = default)
    {
        var server = Environment.GetEnvironmentVariable("MESH_CLICKHOUSE_SERVER") ?? ClickHouseConfig.DefaultServerPath;
        if (!File.Exists(server))
        {
            throw new InvalidOperationException(
                $"ClickHouse is not installed ({server} is missing): run scripts/test, or `apt-get install -y clickhouse-server clickhouse-client`");
        }

        for (var attempt = 1; ; attempt++)
        {
            var directory = Path.Combine(ScratchFolder.Root(), "mesh-clickhouse", Guid.NewGuid().ToString("N"));
            var clickHouse = new LocalClickHouse(directory, FreePort.Next(), FreePort.Next());
            try
            {
                await clickHouse.StartProcessAsync(cancellationToken);
                return clickHouse;
            }
            catch (IOException) when (attempt < 5)
            {
                // Another process took a port between picking and binding: pick again.
                await clickHouse.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the server (SIGKILL, like a crash) and starts it again on the same ports and data.</summary>
    public async Task RestartAsync(TimeSpan downtime, CancellationToken cancellationToken = default)
    {
        Kill();
        await Task.Delay(downtime, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartProcessAsync(cancellationToken);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    /// <summary>Kills the server process now.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Runs a statement over HTTP and returns the response text (for tests and tools).</summary>
    public async Task<string> QueryAsync(string sql, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(sql);
        using var response = await _http.PostAsync(HttpAddress, content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? text : throw new InvalidOperationException($"ClickHouse: {text}");
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _http.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp folder's cleanup.
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("MESH_CLICKHOUSE_SERVER") ?? ClickHouseConfig.DefaultServerPath)
        {
            ArgumentList = { $"--config-file={_config}" },
            WorkingDirectory = _directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("clickhouse-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                var code = _process.ExitCode;
                Kill();
                throw code == PortTaken
                    ? new IOException($"a ClickHouse port ({HttpPort} or {TcpPort}) is taken")
                    : new InvalidOperationException($"clickhouse-server exited with code {code}; see {_directory}/server.err.log");
            }

            try
            {
                using var ping = await _http.GetAsync(new Uri(HttpAddress, "ping"), deadline.Token);
                if (ping.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, deadline.Token);
        }
    }
}
