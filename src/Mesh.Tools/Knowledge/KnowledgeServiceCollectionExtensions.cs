using Mesh.Metering.Calls;
using Mesh.Tools.Registry;
using Mesh.Tools.Storage;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Knowledge;

public static class KnowledgeServiceCollectionExtensions
{
    /// <summary>
    /// Knowledge sets (<c>knowledge.duckdb</c> in the tools data folder, or PostgreSQL with
    /// <c>Mesh:Tools:Store=postgres</c>), the knowledge_search tool and the Knowledge RPCs' rules.
    /// </summary>
    public static IServiceCollection AddKnowledge(this IServiceCollection services)
    {
        services.AddOptions<KnowledgeOptions>().BindConfiguration(KnowledgeOptions.SectionName).ValidateProblems(o => o.Problems()).ValidateOnStart();
        services.TryAddSingleton(OpenStore);
        services.TryAddSingleton<KnowledgeEmbedder>();
        services.TryAddSingleton<KnowledgeSets>();
        services.AddMeshClient<Inference.V1.Inference.InferenceClient>("inference");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITool, KnowledgeSearchTool>());
        services.AddTenantAdminRule<CreateKnowledgeSetRequest>("/mesh.tools.v1.Knowledge/CreateKnowledgeSet");
        services.AddTenantAdminRule<DeleteKnowledgeSetRequest>("/mesh.tools.v1.Knowledge/DeleteKnowledgeSet");
        services.AddTenantAdminRule<AddDocumentsRequest>("/mesh.tools.v1.Knowledge/AddDocuments");
        services.AddAccessRule<SearchKnowledgeRule>();
        services.AddMeteredMethod(new MeteredMethod("/mesh.tools.v1.Knowledge/SearchKnowledge", UsageKind.Retrieval));
        return services;
    }

    private static IKnowledgeStore OpenStore(IServiceProvider services)
    {
        var storage = services.GetRequiredService<IOptions<ToolsStorageOptions>>().Value;
        return storage.UsesPostgres
            ? new PostgresKnowledgeStore(services.GetRequiredService<Storage.Postgres.ToolsPostgres>())
            : new DuckDbKnowledgeStore(Path.Combine(storage.FullPath(services.GetRequiredService<IHostEnvironment>()), "knowledge.duckdb"));
    }
}
