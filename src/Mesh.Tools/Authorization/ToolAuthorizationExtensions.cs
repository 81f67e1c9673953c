using Mesh.Metering.Calls;
using Mesh.Tools.Authorization;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ToolAuthorizationExtensions
{
    /// <summary>
    /// Tool calls ask identity before they run (see <see cref="ToolAccessRule"/>) and are one usage
    /// event each; changing a tenant's tools needs its admin (<see cref="TenantAdminRule{TRequest}"/>).
    /// </summary>
    public static IServiceCollection AddToolAuthorization(this IServiceCollection services) => services
        .AddAccessRule<ToolAccessRule>()
        .AddTenantAdminRule<RegisterToolRequest>("/mesh.tools.v1.Tools/RegisterTool")
        .AddTenantAdminRule<DeleteToolRequest>("/mesh.tools.v1.Tools/DeleteTool")
        .AddAccessRule<EndRunRule>()
        .AddMeteredMethod(new MeteredMethod("/mesh.tools.v1.Tools/InvokeTool", UsageKind.ToolCall));

    public static IServiceCollection AddTenantAdminRule<TRequest>(this IServiceCollection services, string method)
        where TRequest : class
    {
        ArgumentNullException.ThrowIfNull(services);
        // One rule per request type: each admin RPC has a request message of its own.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Mesh.Security.Authorization.IAccessRule>(new TenantAdminRule<TRequest>(method)));
        return services;
    }
}
