using Mesh.Tools.Egress;
using Mesh.Tools.Sandbox;
using Mesh.Tools.Sandbox.Workspaces;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace Mesh.Tools.Mcp;

/// <summary>
/// Opens sessions to MCP servers with the official SDK: a stdio server is started in the sandbox
/// (no network, its own workspace as /workspace, the installed MCP servers read-only, memory,
/// process and CPU limits), a Streamable HTTP server is reached only through the tenant's
/// HTTP allow-list.
/// </summary>
public sealed class McpConnector(
    SandboxRunner sandbox,
    WorkspaceStore workspaces,
    HttpAllowLists allowLists,
    IOptions<SandboxOptions> sandboxOptions,
    IOptions<McpOptions> options,
    ILoggerFactory loggers)
{
    public async Task<McpSession> ConnectAsync(McpServerDefinition server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var stderr = new StderrTail();
        var owned = new List<IDisposable>();
        try
        {
            IClientTransport transport = server.Transport == McpServerDefinition.Stdio
                ? Stdio(server, stderr, owned)
                : Http(server, owned);
            var client = await McpClient.CreateAsync(transport, new McpClientOptions
            {
                ClientInfo = new ModelContextProtocol.Protocol.Implementation { Name = "mesh-tools", Version = "1.0.0" },
            }, loggers, cancellationToken);
            return new McpSession(client, owned, stderr);
        }
        catch
        {
            foreach (var item in owned)
            {
                item.Dispose();
            }

            throw;
        }
    }

    /// <summary>Limits of a stdio server's sandbox: its registration's, else the sandbox defaults with more memory for Node.js.</summary>
    public Registry.SandboxLimits LimitsOf(McpServerDefinition server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var resolved = sandboxOptions.Value.Resolve(server.Limits);
        return server.Limits is { MemoryBytes: > 0 } ? resolved : resolved with { MemoryBytes = options.Value.DefaultServerMemoryBytes };
    }

    private StdioClientTransport Stdio(McpServerDefinition server, StderrTail stderr, List<IDisposable> owned)
    {
        var workspace = workspaces.ForServer(server.Tenant, server.Name);
        owned.Add(workspace);
        var request = new SandboxRequest(server.Command, [], workspace, null, LimitsOf(server), TimeSpan.FromDays(365))
        {
            ReadOnlyPaths = options.Value.ServerRoots,
            Environment = server.Environment,
        };
        var program = sandbox.Prepare(request);
        owned.Add(program);
        return new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = server.Name,
            Command = program.Program,
            Arguments = [.. program.Arguments],
            WorkingDirectory = "/",
            EnvironmentVariables = new Dictionary<string, string?> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" },
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            StandardErrorLines = stderr.Add,
        }, loggers);
    }

    private HttpClientTransport Http(McpServerDefinition server, List<IDisposable> owned)
    {
        var url = new Uri(server.Url);
        var allowList = allowLists.For(server.Tenant);
        if (allowList.Refusal(url) is { } refusal)
        {
            throw new EgressRefusedException(refusal);
        }

        var http = allowList.CreateClient(Timeout.InfiniteTimeSpan);
        owned.Add(http);
        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = server.Name,
            Endpoint = url,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = server.Headers.ToDictionary(h => h.Key, h => h.Value),
            ConnectionTimeout = server.ConnectTimeout,
        }, http, loggers, ownsHttpClient: false);
    }
}
