using Grpc.Core;
using Mesh.Metering.Calls;
using Mesh.ServiceDefaults.Calls;
using Mesh.Tools.V1;

namespace Mesh.Tools.Knowledge;

/// <summary>The Knowledge RPCs.</summary>
public sealed class KnowledgeService(KnowledgeSets sets) : V1.Knowledge.KnowledgeBase
{
    public override Task<KnowledgeSetInfo> CreateKnowledgeSet(CreateKnowledgeSetRequest request, ServerCallContext context) =>
        Task.FromResult(Info(sets.Create(Caller().TenantId, request), builtIn: false));

    public override async Task<ListKnowledgeSetsResponse> ListKnowledgeSets(ListKnowledgeSetsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = new ListKnowledgeSetsResponse();
        response.Sets.AddRange((await sets.ListAsync(Caller().TenantId, context.CancellationToken)).Select(s => Info(s.Set, s.BuiltIn)));
        return response;
    }

    public override Task<DeleteKnowledgeSetResponse> DeleteKnowledgeSet(DeleteKnowledgeSetRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(new DeleteKnowledgeSetResponse { DocumentsRemoved = sets.Delete(Caller().TenantId, request.Name) });
    }

    public override Task<AddDocumentsResponse> AddDocuments(AddDocumentsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return sets.AddAsync(Caller().TenantId, request, context.CancellationToken);
    }

    public override async Task<SearchKnowledgeResponse> SearchKnowledge(SearchKnowledgeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        UsageScope.Current?.SetResource(KnowledgeSearchTool.PriceClass, "1.0.0");
        var (set, hits) = await sets.SearchAsync(Caller().TenantId, request.Set, request.Query, request.TopK, context.CancellationToken);
        var response = new SearchKnowledgeResponse { Set = set.Name };
        response.Hits.AddRange(hits.Select(h => new KnowledgeSearchHit { Score = h.Score, DocumentId = h.DocumentId, Title = h.Title, Source = h.Source, Chunk = h.Chunk, Text = h.Text }));
        return response;
    }

    private static Caller Caller() => CallScope.Current?.Caller ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "not authenticated"));

    private static KnowledgeSetInfo Info(KnowledgeSetRecord set, bool builtIn) => new()
    {
        Name = set.Name,
        Description = set.Description,
        Model = set.Model,
        Dimensions = set.Dimensions,
        Documents = set.Documents,
        Chunks = set.Chunks,
        BuiltIn = builtIn,
        CreatedAtUnixMs = set.CreatedAt.ToUnixTimeMilliseconds(),
    };
}
