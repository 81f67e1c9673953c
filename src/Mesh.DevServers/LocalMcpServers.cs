using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Mesh.DevServers;

/// <summary>
/// The real MCP servers from npm that tests and benchmarks use (<c>mcp-servers</c>, installed
/// by scripts/test and scripts/run from its package-lock.json): their folder, and the "everything" server run over
/// Streamable HTTP on a free loopback port.
/// </summary>
public sealed class LocalMcpServers : IAsyncDisposable
{
    private readonly Process _process;

    private LocalMcpServers(Process process, int port)
    {
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/mcp");
        Port = port;
    }

    /// <summary>The folder holding the installed servers (its <c>node_modules/.bin</c> has their commands).</summary>
    public static string Root
    {
        get
        {
            var root = Path.Combine(MeshBuild.RepositoryRoot(), "mcp-servers");
            return Directory.Exists(Path.Combine(root, "node_modules", "@modelcontextprotocol"))
                ? root
                : throw new InvalidOperationException($"the MCP servers are not installed in {root}: run scripts/test, or `npm ci --prefix mcp-servers`");
        }
    }

    /// <summary>The Streamable HTTP endpoint.</summary>
    public Uri Url { get; }

    public int Port { get; }

    /// <summary>Starts <c>server-everything streamableHttp</c> on 127.0.0.1 and waits until it accepts connections.</summary>
    public static async Task<LocalMcpServers> StartEverythingHttpAsync(CancellationToken cancellationToken = default)
    {
        var root = Root;
        var port = FreePort.Next();
        var start = new ProcessStartInfo("node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        foreach (var argument in new[] { "-r", Path.Combine(root, "loopback.cjs"), Path.Combine(root, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), "streamableHttp" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new LocalMcpServers(process, port);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, timeout.Token);
                return server;
            }
            catch (SocketException) when (!process.HasExited)
            {
                await Task.Delay(50, timeout.Token);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
