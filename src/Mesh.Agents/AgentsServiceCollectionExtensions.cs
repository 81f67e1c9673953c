using Mesh.Agents;
using Mesh.Agents.Knowledge;
using Mesh.Agents.Runs;
using Mesh.Agents.Runs.Api;
using Mesh.Agents.Runs.Engine;
using Mesh.Agents.Runs.Steps;
using Mesh.Agents.Runs.Store;
using Mesh.Agents.Runs.Store.Sqlite;
using Mesh.Agents.Runs.Watching;
using Mesh.Agents.Workflows;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class AgentsServiceCollectionExtensions
{
    /// <summary>Adds workflows, the durable run engine and its store, the step kinds, and the clients of the services runs call.</summary>
    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMeshClient<Mesh.Inference.V1.Inference.InferenceClient>("inference");
        services.AddMeshClient<Mesh.Tools.V1.Tools.ToolsClient>("tools");
        services.AddMeshClient<Mesh.Identity.V1.Tokens.TokensClient>("identity");
        services.AddMeshClient<Mesh.Identity.V1.Budgets.BudgetsClient>("identity");
        services.AddMeshClient<Mesh.Telemetry.V1.Analytics.AnalyticsClient>("telemetry");
        services.AddOptions<RunEngineOptions>().BindConfiguration(RunEngineOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
                options.ConnectionString ??= configuration.GetConnectionString(RunEngineOptions.ConnectionStringName))
            .ValidateProblems(o => o.Problems())
            .ValidateOnStart();
        services.TryAddSingleton<IRunStore>(OpenStore);
        services.TryAddSingleton<RunCredentials>();
        services.TryAddSingleton<AgentsIdentity>();
        services.TryAddSingleton<KnowledgeIndex>();
        services.TryAddSingleton<StepBudget>();
        services.TryAddSingleton<WorkflowCatalog>();
        services.TryAddSingleton<RunEventHub>();
        services.TryAddSingleton<RunScopes>();
        services.TryAddSingleton<RunExecutor>();
        services.TryAddSingleton<RunScheduler>();
        services.TryAddSingleton<RunStarter>();
        services.TryAddSingleton<RunCosts>();
        services.TryAddSingleton<UsageOutbox>();
        services.AddHostedService(sp => sp.GetRequiredService<RunScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<UsageOutbox>());
        services.TryAddSingleton<ToolStep>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, ToolStep>(sp => sp.GetRequiredService<ToolStep>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, GenerateStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, AgentStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, EmbedStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, RetrieveStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, BranchStep>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepHandler, SetStep>());
        services.AddAgentsAuthorization();
        return services;
    }

    private static IRunStore OpenStore(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RunEngineOptions>>().Value;
        if (options.UsesPostgres)
        {
            return new Mesh.Agents.Runs.Store.Postgres.PostgresRunStore(options.ConnectionString!);
        }

        var environment = services.GetRequiredService<IHostEnvironment>();
        return new SqliteRunStore(Path.Combine(environment.ContentRootPath, options.DatabasePath), options.SqliteSynchronous == "full");
    }
}
