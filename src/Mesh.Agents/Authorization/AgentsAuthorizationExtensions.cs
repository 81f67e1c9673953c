using Mesh.Agents.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

public static class AgentsAuthorizationExtensions
{
    /// <summary>Agent runs ask identity before they start.</summary>
    public static IServiceCollection AddAgentsAuthorization(this IServiceCollection services) =>
        services.AddAccessRule<RunAgentAccessRule>().AddAccessRule<StartRunAccessRule>();
}
