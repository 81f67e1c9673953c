using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.Pricing;
using Mesh.Tools.V1;

namespace Mesh.Tools.Mcp;

/// <summary>The McpServers RPCs: a tenant's MCP servers and their tools.</summary>
public sealed class McpServersService(McpServerRegistrations registrations, McpSessions sessions, IToolPrices prices, TimeProvider time) : McpServers.McpServersBase
{
    public override async Task<McpServerInfo> AddMcpServer(AddMcpServerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = Caller();
        var (server, tools) = await registrations.AddAsync(caller.TenantId, caller.Subject, request, context.CancellationToken);
        return await InfoAsync(server, tools, time.GetUtcNow(), context.CancellationToken);
    }

    public override async Task<ListMcpServersResponse> ListMcpServers(ListMcpServersRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = new ListMcpServersResponse();
        foreach (var row in registrations.List(Caller().TenantId))
        {
            response.Servers.Add(await InfoAsync(row.Server, row.Tools, row.RefreshedAt, context.CancellationToken));
        }

        return response;
    }

    public override async Task<RemoveMcpServerResponse> RemoveMcpServer(RemoveMcpServerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new RemoveMcpServerResponse { ToolsRemoved = await registrations.RemoveAsync(Caller().TenantId, request.Name) };
    }

    public override async Task<McpServerInfo> RefreshMcpServer(RefreshMcpServerRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var (server, tools) = await registrations.RefreshAsync(Caller().TenantId, request.Name, context.CancellationToken);
        return await InfoAsync(server, tools, time.GetUtcNow(), context.CancellationToken);
    }

    private static Caller Caller() => CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));

    private async Task<McpServerInfo> InfoAsync(McpServerDefinition server, IReadOnlyList<McpToolDefinition> tools, DateTimeOffset refreshed, CancellationToken cancellationToken)
    {
        var info = new McpServerInfo { Name = server.Name, Transport = server.Transport, Target = server.Target, RefreshedAtUnixMs = refreshed.ToUnixTimeMilliseconds() };
        var price = await prices.PriceOfAsync(McpToolSource.PriceClass, cancellationToken);
        info.Tools.AddRange(tools.Select(t => new McpTool(server, t, sessions).Descriptor.ToInfo(price)));
        return info;
    }
}
