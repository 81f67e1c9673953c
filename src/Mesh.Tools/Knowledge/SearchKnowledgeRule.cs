using Grpc.Core;
using Mesh.Identity.V1;
using Mesh.Security.Authorization;
using Mesh.Tools.V1;

namespace Mesh.Tools.Knowledge;

/// <summary>SearchKnowledge needs what the knowledge_search tool needs (<c>tool:knowledge_search#invoker</c>) and reserves one retrieval.</summary>
public sealed class SearchKnowledgeRule : AccessRule<SearchKnowledgeRequest>
{
    public override string Method => "/mesh.tools.v1.Knowledge/SearchKnowledge";

    public override string ResourceType => "tool";

    protected override string ResourceOf(SearchKnowledgeRequest request) => KnowledgeSearchTool.Name;

    protected override ValueTask<UsageBound?> MaxUsageAsync(SearchKnowledgeRequest request, ServerCallContext context) =>
        ValueTask.FromResult<UsageBound?>(new UsageBound { Resource = KnowledgeSearchTool.PriceClass, Calls = 1 });
}
