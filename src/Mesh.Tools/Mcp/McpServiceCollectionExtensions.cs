using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Tools.Mcp;

public static class McpServiceCollectionExtensions
{
    /// <summary>Tenants' MCP servers as tool sources (<c>Mesh:Tools:Mcp</c>).</summary>
    public static IServiceCollection AddMcpToolSources(this IServiceCollection services)
    {
        services.AddOptions<McpOptions>().BindConfiguration(McpOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton<McpServerStore>();
        services.TryAddSingleton<McpConnector>();
        services.TryAddSingleton<McpSessions>();
        services.TryAddSingleton<McpServerRegistrations>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantToolSource, McpToolSource>());
        services.AddTenantAdminRule<AddMcpServerRequest>("/mesh.tools.v1.McpServers/AddMcpServer");
        services.AddTenantAdminRule<RemoveMcpServerRequest>("/mesh.tools.v1.McpServers/RemoveMcpServer");
        services.AddTenantAdminRule<RefreshMcpServerRequest>("/mesh.tools.v1.McpServers/RefreshMcpServer");
        services.AddMeshMcpServer();
        return services;
    }
}
