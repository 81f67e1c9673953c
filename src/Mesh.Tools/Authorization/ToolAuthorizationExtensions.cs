using Mesh.Tools.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

public static class ToolAuthorizationExtensions
{
    /// <summary>Tool calls ask identity before they run (see <see cref="ToolAccessRule"/>).</summary>
    public static IServiceCollection AddToolAuthorization(this IServiceCollection services) => services.AddAccessRule<ToolAccessRule>();
}
