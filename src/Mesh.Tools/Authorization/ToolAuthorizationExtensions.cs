using Mesh.Metering.Calls;
using Mesh.Tools.Authorization;
using Mesh.Usage.V1;

namespace Microsoft.Extensions.DependencyInjection;

public static class ToolAuthorizationExtensions
{
    /// <summary>Tool calls ask identity before they run (see <see cref="ToolAccessRule"/>) and are one usage event each.</summary>
    public static IServiceCollection AddToolAuthorization(this IServiceCollection services) => services
        .AddAccessRule<ToolAccessRule>()
        .AddMeteredMethod(new MeteredMethod("/mesh.tools.v1.Tools/InvokeTool", UsageKind.ToolCall));
}
