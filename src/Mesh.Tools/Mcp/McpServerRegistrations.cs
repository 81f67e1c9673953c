using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.Sandbox;
using Mesh.Tools.Sandbox.Workspaces;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Mcp;

/// <summary>
/// Adds, refreshes and removes a tenant's MCP servers. Adding connects (starting a stdio server in
/// the sandbox), initializes and lists the server's tools within the connect timeout, and stores
/// the server only when all of that worked; its tools then join the tenant's registry.
/// </summary>
public sealed partial class McpServerRegistrations(
    McpServerStore store,
    McpConnector connector,
    McpSessions sessions,
    ToolRegistry registry,
    WorkspaceStore workspaces,
    IOptions<McpOptions> options,
    IOptions<SandboxOptions> sandboxOptions,
    TimeProvider time,
    ILogger<McpServerRegistrations> logger)
{
    public async Task<(McpServerDefinition Server, IReadOnlyList<McpToolDefinition> Tools)> AddAsync(string tenant, string createdBy, AddMcpServerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var server = Check(tenant, request);
        if (store.Find(tenant, server.Name) is not null)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"the tenant already has an MCP server named '{server.Name}'; remove it first or choose another name"));
        }

        if (store.List(tenant).Count >= options.Value.MaxServersPerTenant)
        {
            throw MeshErrors.ResourceExhausted($"tenant '{tenant}' has {options.Value.MaxServersPerTenant} MCP servers, the most it may; remove one first");
        }

        var (session, tools) = await ConnectAndListAsync(server, cancellationToken);
        if (!store.TryAdd(server, tools, createdBy, time.GetUtcNow()))
        {
            await session.DisposeAsync();
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"the tenant already has an MCP server named '{server.Name}'"));
        }

        await sessions.AdoptAsync(server, session);
        registry.Invalidate(tenant);
        LogAdded(logger, tenant, server.Name, server.Transport, tools.Count);
        return (server, tools);
    }

    public async Task<(McpServerDefinition Server, IReadOnlyList<McpToolDefinition> Tools)> RefreshAsync(string tenant, string name, CancellationToken cancellationToken)
    {
        var row = store.Find(tenant, name.Trim()) ?? throw NotFound(name);
        await sessions.DropAsync(tenant, row.Server.Name);
        var (session, tools) = await ConnectAndListAsync(row.Server, cancellationToken);
        await sessions.AdoptAsync(row.Server, session);
        store.UpdateTools(tenant, row.Server.Name, tools, time.GetUtcNow());
        registry.Invalidate(tenant);
        return (row.Server, tools);
    }

    public async Task<int> RemoveAsync(string tenant, string name)
    {
        var row = store.Find(tenant, name.Trim()) ?? throw NotFound(name);
        store.Remove(tenant, row.Server.Name);
        registry.Invalidate(tenant);
        await sessions.DropAsync(tenant, row.Server.Name);
        if (row.Server.Transport == McpServerDefinition.Stdio)
        {
            workspaces.EndServer(tenant, row.Server.Name);
        }

        return row.Tools.Count;
    }

    public IReadOnlyList<McpServerStore.Row> List(string tenant) => store.List(tenant);

    private async Task<(McpSession Session, IReadOnlyList<McpToolDefinition> Tools)> ConnectAndListAsync(McpServerDefinition server, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(server.ConnectTimeout);
        McpSession? session = null;
        try
        {
            session = await connector.ConnectAsync(server, timeout.Token);
            var listed = await session.Client.ListToolsAsync(cancellationToken: timeout.Token);
            var tools = McpToolList.From(listed.Select(t => t.ProtocolTool).Take(options.Value.MaxToolsPerServer), logger);
            if (tools.Count == 0)
            {
                throw MeshErrors.FailedPrecondition($"MCP server '{server.Name}' lists no tool Mesh can register");
            }

            return (session, tools);
        }
        catch (Exception ex) when (ex is not RpcException && !cancellationToken.IsCancellationRequested)
        {
            var stderr = session?.Stderr;
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            throw McpErrors.Connect(server.Name, server.ConnectTimeout, ex, stderr);
        }
        catch
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The definition a request asks for, or InvalidArgument naming every problem.</summary>
    private McpServerDefinition Check(string tenant, AddMcpServerRequest request)
    {
        var problems = new List<(string Field, string Problem)>();
        var name = request.Name.Trim();
        if (ToolNames.Problem(name) is { } nameProblem)
        {
            problems.Add(("name", nameProblem));
        }

        var connect = Duration(request.ConnectTimeoutMs, options.Value.DefaultConnectTimeout, options.Value.MaxConnectTimeout, "connect_timeout_ms", problems);
        var call = Duration(request.CallTimeoutMs, options.Value.DefaultCallTimeout, options.Value.MaxCallTimeout, "call_timeout_ms", problems);
        var limits = request.Limits is null ? null : new SandboxLimits(request.Limits.MemoryBytes, request.Limits.MaxProcesses, request.Limits.CpuCores, request.Limits.OutputBytes);
        problems.AddRange(sandboxOptions.Value.LimitProblems(limits));
        McpServerDefinition server;
        switch (request.TransportCase)
        {
            case AddMcpServerRequest.TransportOneofCase.Stdio:
                var command = request.Stdio.Command.ToList();
                if (command.Count == 0)
                {
                    problems.Add(("stdio.command", "is empty; give the program and its arguments, e.g. [\"mcp-server-filesystem\", \"/workspace\"]"));
                }
                else if (SandboxPrograms.Problem(sandboxOptions.Value, command[0], [], options.Value.ServerRoots) is { } programProblem)
                {
                    problems.Add(("stdio.command", programProblem));
                }

                problems.AddRange(request.Stdio.Env.Keys.Where(k => !EnvironmentName().IsMatch(k)).Select(k => ($"stdio.env[{k}]", "is not an environment variable name")));
                server = new McpServerDefinition(tenant, name, McpServerDefinition.Stdio, command, request.Stdio.Env.ToDictionary(), "", new Dictionary<string, string>(), connect, call, limits);
                break;
            case AddMcpServerRequest.TransportOneofCase.Http:
                if (!Uri.TryCreate(request.Http.Url.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    problems.Add(("http.url", $"'{request.Http.Url}' is not an absolute http or https URL"));
                }

                problems.AddRange(request.Http.Headers.Keys.Where(k => !HeaderName().IsMatch(k)).Select(k => ($"http.headers[{k}]", "is not an HTTP header name")));
                server = new McpServerDefinition(tenant, name, McpServerDefinition.Http, [], new Dictionary<string, string>(), request.Http.Url.Trim(), request.Http.Headers.ToDictionary(), connect, call, limits);
                break;
            default:
                problems.Add(("transport", "is not set; set stdio (a command Mesh runs in its sandbox) or http (a Streamable HTTP URL)"));
                server = new McpServerDefinition(tenant, name, "", [], new Dictionary<string, string>(), "", new Dictionary<string, string>(), connect, call, limits);
                break;
        }

        if (problems.Count > 0)
        {
            var (field, problem) = problems[0];
            throw MeshErrors.InvalidArgument(field, problems.Count == 1 ? problem : $"{problems.Count} problems: {string.Join("; ", problems.Select(p => $"{p.Field}: {p.Problem}"))}");
        }

        return server;
    }

    private static TimeSpan Duration(int milliseconds, TimeSpan fallback, TimeSpan max, string field, List<(string, string)> problems)
    {
        if (milliseconds < 0 || TimeSpan.FromMilliseconds(milliseconds) > max)
        {
            problems.Add((field, $"must be between 1 and {max.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} (0: the default, {fallback.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)})"));
        }

        return milliseconds > 0 ? TimeSpan.FromMilliseconds(milliseconds) : fallback;
    }

    private static RpcException NotFound(string name) =>
        MeshErrors.NotFound("MCP server", name, "ListMcpServers shows the tenant's servers");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")]
    private static partial Regex HeaderName();

    [LoggerMessage(EventId = 73, Level = LogLevel.Information, Message = "Tenant {Tenant} added MCP server {Server} ({Transport}) with {Count} tools")]
    private static partial void LogAdded(ILogger logger, string tenant, string server, string transport, int count);
}
