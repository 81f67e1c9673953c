using Mesh.Agents.Authorization;

namespace Microsoft.Extensions.DependencyInjection;

public static class AgentsAuthorizationExtensions
{
    /// <summary>Agent runs ask identity before they start; new workflow versions before they are stored.</summary>
    public static IServiceCollection AddAgentsAuthorization(this IServiceCollection services) =>
        services.AddAccessRule<RunAgentAccessRule>().AddAccessRule<StartRunAccessRule>().AddAccessRule<CreateWorkflowAccessRule>();
}
