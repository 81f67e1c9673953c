using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Calls;

namespace Mesh.Agents.Knowledge;

/// <summary>
/// The built-in knowledge set, embedded once through the inference service (as the agents
/// service itself, not as the first caller, so no user pays for it) and searched by cosine
/// similarity.
/// </summary>
public sealed class KnowledgeIndex(Inference.V1.Inference.InferenceClient inference, AgentsIdentity identity) : IDisposable
{
    public const string Model = "all-MiniLM-L6-v2";

    private readonly SemaphoreSlim _buildLock = new(1, 1);
    private IReadOnlyList<(KnowledgeDocument Document, float[] Vector)>? _entries;

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(IReadOnlyList<float> query, int top, CancellationToken cancellationToken)
    {
        var entries = _entries ?? await BuildAsync(cancellationToken);
        return [.. entries
            .Select(e => new KnowledgeHit(e.Document, VectorMath.Cosine(query, e.Vector)))
            .OrderByDescending(h => h.Score)
            .Take(top)];
    }

    private async Task<IReadOnlyList<(KnowledgeDocument, float[])>> BuildAsync(CancellationToken cancellationToken)
    {
        await _buildLock.WaitAsync(cancellationToken);
        try
        {
            if (_entries is not null)
            {
                return _entries;
            }

            var request = new EmbedRequest { Model = Model };
            request.Inputs.AddRange(BuiltInKnowledge.Documents.Select(d => $"{d.Title}. {d.Text}"));
            EmbedResponse response;
            using (CallScope.Enter(await identity.ScopeAsync(cancellationToken)))
            {
                response = await inference.EmbedAsync(request, cancellationToken: cancellationToken);
            }

            _entries = [.. BuiltInKnowledge.Documents.Zip(response.Embeddings, (d, e) => (d, e.Values.ToArray()))];
            return _entries;
        }
        finally
        {
            _buildLock.Release();
        }
    }

    public void Dispose() => _buildLock.Dispose();
}
