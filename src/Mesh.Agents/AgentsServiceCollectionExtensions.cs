using Mesh.Agents;
using Mesh.Agents.Assistant;
using Mesh.Agents.Knowledge;
using Mesh.Agents.Runs;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>Adds the agents, their knowledge and the clients of the services they call.</summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMeshClient<Mesh.Inference.V1.Inference.InferenceClient>("inference");
        services.AddMeshClient<Mesh.Tools.V1.Tools.ToolsClient>("tools");
        services.AddMeshClient<Mesh.Identity.V1.Tokens.TokensClient>("identity");
        services.TryAddSingleton<RunCredentials>();
        services.TryAddSingleton<AgentsIdentity>();
        services.TryAddSingleton<KnowledgeIndex>();
        services.TryAddSingleton<StepRunner>();
        services.TryAddSingleton<StepBudget>();
        services.AddMeshClient<Mesh.Identity.V1.Budgets.BudgetsClient>("identity");
        services.AddAgentsAuthorization();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgent, AssistantAgent>());
        return services;
    }
}
