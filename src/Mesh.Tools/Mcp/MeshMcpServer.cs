using System.Text.Json;
using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.V1;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mesh.Tools.Mcp;

/// <summary>
/// Mesh's own registry as an MCP server (Streamable HTTP, stateless, at <see cref="Path"/>): an MCP
/// client lists the tools its credential may use and calls them. Each MCP request is served by
/// calling this service's gRPC API with the caller's credential, so it goes through the same
/// authentication, authorization, budgets, metering, audit and idempotency as every other call.
/// </summary>
public static class MeshMcpServer
{
    public const string Path = "/mcp";

    public static IServiceCollection AddMeshMcpServer(this IServiceCollection services)
    {
        services.AddMeshClient<V1.Tools.ToolsClient>("tools");
        services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "mesh", Version = "1.0.0" })
            .WithHttpTransport(options => options.Stateless = true)
            .WithListToolsHandler(ListToolsAsync)
            .WithCallToolHandler(CallToolAsync);
        return services;
    }

    public static WebApplication MapMeshMcpServer(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch => branch.UseMiddleware<MeshMcpAuthentication>());
        app.MapMcp(Path);
        return app;
    }

    private static async ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> request, CancellationToken cancellationToken)
    {
        var client = request.Services!.GetRequiredService<V1.Tools.ToolsClient>();
        var listed = await client.ListToolsAsync(new ListToolsRequest(), Headers(request.User), cancellationToken: cancellationToken);
        return new ListToolsResult
        {
            Tools = [.. listed.Tools.Select(tool => new Tool
            {
                Name = tool.Name,
                Description = tool.Description,
                InputSchema = JsonDocument.Parse(tool.ArgumentsSchema).RootElement.Clone(),
                Annotations = new ToolAnnotations { ReadOnlyHint = tool.SideEffect is SideEffect.None or SideEffect.Read },
            })],
        };
    }

    private static async ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var client = request.Services!.GetRequiredService<V1.Tools.ToolsClient>();
        var call = new InvokeToolRequest
        {
            Tool = request.Params?.Name ?? "",
            ArgumentsJson = request.Params?.Arguments is { } arguments ? JsonSerializer.Serialize(arguments) : "{}",
        };
        try
        {
            var response = await client.InvokeToolAsync(call, Headers(request.User), cancellationToken: cancellationToken);
            using var result = JsonDocument.Parse(response.ResultJson);
            return new CallToolResult
            {
                Content = [new TextContentBlock { Text = response.ResultJson }],
                StructuredContent = result.RootElement.ValueKind == JsonValueKind.Object ? result.RootElement.Clone() : null,
            };
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            // A tool's refusal is a result the model can read, as MCP asks.
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"{ex.StatusCode}: {ex.Status.Detail}" }] };
        }
    }

    /// <summary>The caller's own credential (and tenant header), as the authentication middleware kept it.</summary>
    private static Metadata Headers(System.Security.Claims.ClaimsPrincipal? user)
    {
        var headers = new Metadata { { MeshHeaders.Authorization, user?.FindFirst(MeshMcpAuthentication.AuthorizationClaim)?.Value ?? "" } };
        if (user?.FindFirst(MeshMcpAuthentication.TenantClaim)?.Value is { Length: > 0 } tenant)
        {
            headers.Add(MeshHeaders.Tenant, tenant);
        }

        return headers;
    }
}
