using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Mesh.ServiceDefaults.Calls;
using Mesh.ServiceDefaults.Errors;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Knowledge;

/// <summary>
/// Tenants' knowledge sets and the mesh's built-in ones: create, add documents (chunked, embedded
/// through inference, stored all together or not at all), search by similarity. A tenant finds
/// only its own sets and the built-in ones; another tenant's set is NotFound.
/// </summary>
public sealed partial class KnowledgeSets(
    IKnowledgeStore store,
    KnowledgeEmbedder embedder,
    IServiceCredentials credentials,
    IOptions<KnowledgeOptions> options,
    TimeProvider time,
    ILogger<KnowledgeSets> logger) : IDisposable
{
    /// <summary>The tenant of the mesh's built-in sets.</summary>
    public const string MeshTenant = "";

    public const int MaxTopK = 20;

    private readonly SemaphoreSlim _builtIn = new(1, 1);
    private readonly Chunker _chunker = new(options.Value.ChunkCharacters, options.Value.ChunkOverlap);
    private volatile bool _builtInReady;

    public KnowledgeSetRecord Create(string tenant, CreateKnowledgeSetRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = ToolNames.Check(request.Name.Trim(), "name");
        if (name == MeshHandbook.Name)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"'{name}' is a built-in knowledge set of the mesh; choose another name"));
        }

        if (store.List(tenant).Count >= options.Value.MaxSetsPerTenant)
        {
            throw MeshErrors.ResourceExhausted($"tenant '{tenant}' has {options.Value.MaxSetsPerTenant} knowledge sets, the most it may; delete one first");
        }

        var model = request.Model.Trim().Length > 0 ? request.Model.Trim() : options.Value.DefaultModel;
        var set = new KnowledgeSetRecord(tenant, name, request.Description.Trim(), model, 0, 0, 0, time.GetUtcNow());
        return store.TryCreate(set)
            ? set
            : throw new RpcException(new Status(StatusCode.AlreadyExists, $"the tenant already has a knowledge set named '{name}'"));
    }

    public async Task<IReadOnlyList<(KnowledgeSetRecord Set, bool BuiltIn)>> ListAsync(string tenant, CancellationToken cancellationToken)
    {
        await EnsureBuiltInAsync(cancellationToken);
        return [.. store.List(MeshTenant).Select(s => (s, true)), .. store.List(tenant).Select(s => (s, false))];
    }

    public int Delete(string tenant, string name)
    {
        if (name.Trim() == MeshHandbook.Name)
        {
            throw MeshErrors.FailedPrecondition($"'{MeshHandbook.Name}' is a built-in knowledge set of the mesh; it cannot be deleted");
        }

        var removed = store.Delete(tenant, name.Trim());
        return removed >= 0 ? removed : throw NotFound(tenant, name);
    }

    /// <summary>Chunks, embeds (with the caller's credential) and stores the documents; every problem of the request is reported first.</summary>
    public async Task<AddDocumentsResponse> AddAsync(string tenant, AddDocumentsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var set = request.Set.Trim() == MeshHandbook.Name
            ? throw MeshErrors.FailedPrecondition($"'{MeshHandbook.Name}' is a built-in knowledge set of the mesh; add documents to a set of the tenant's own")
            : store.Find(tenant, request.Set.Trim()) ?? throw NotFound(tenant, request.Set);
        var documents = Check(request);
        var chunked = documents.Select(d => (Document: d, Chunks: _chunker.Split(d.Title, d.Text))).ToList();
        var blank = chunked.FindIndex(c => c.Chunks.Count == 0);
        if (blank >= 0)
        {
            throw MeshErrors.InvalidArgument($"documents[{blank}].text", "has no words to index (only heading marks); send the document's text");
        }

        var texts = chunked.SelectMany(c => c.Chunks).ToList();
        var (vectors, tokens) = await embedder.EmbedAsync(set.Model, texts, null, cancellationToken);
        var dimensions = vectors[0].Length;
        if (set.Dimensions > 0 && dimensions != set.Dimensions)
        {
            throw MeshErrors.FailedPrecondition($"model '{set.Model}' now gives {dimensions}-dimensional vectors; the set holds {set.Dimensions}-dimensional ones");
        }

        var next = 0;
        var embedded = chunked.Select(c => new EmbeddedDocument(c.Document.Id, c.Document.Title, c.Document.Source, c.Document.Text,
            [.. c.Chunks.Select(chunk => (chunk, vectors[next++]))])).ToList();
        store.Put(tenant, set.Name, dimensions, embedded, time.GetUtcNow());
        return new AddDocumentsResponse { Documents = embedded.Count, Chunks = texts.Count, EmbeddedTokens = tokens };
    }

    /// <summary>The chunks of the set (the tenant's own, else a built-in one) most similar to the query, embedded with the caller's credential.</summary>
    public async Task<(KnowledgeSetRecord Set, IReadOnlyList<ChunkHit> Hits)> SearchAsync(string tenant, string setName, string query, int topK, CancellationToken cancellationToken)
    {
        var name = setName.Trim();
        if (query.Trim().Length == 0)
        {
            throw MeshErrors.InvalidArgument("query", "is empty; say what to look for");
        }

        if (topK is < 0 or > MaxTopK)
        {
            throw MeshErrors.InvalidArgument("top_k", $"must be between 1 and {MaxTopK} (0: 4)");
        }

        if (name == MeshHandbook.Name)
        {
            await EnsureBuiltInAsync(cancellationToken);
        }

        var set = store.Find(tenant, name) ?? store.Find(MeshTenant, name) ?? throw NotFound(tenant, name);
        if (set.Chunks == 0)
        {
            return (set, []);
        }

        var (vectors, _) = await embedder.EmbedAsync(set.Model, [query], null, cancellationToken);
        return (set, store.Search(set.Tenant, set.Name, vectors[0], topK == 0 ? 4 : topK));
    }

    public void Dispose() => _builtIn.Dispose();

    /// <summary>Embeds the built-in sets once, as the tools service itself (no caller pays for them).</summary>
    private async Task EnsureBuiltInAsync(CancellationToken cancellationToken)
    {
        if (_builtInReady)
        {
            return;
        }

        await _builtIn.WaitAsync(cancellationToken);
        try
        {
            if (store.Find(MeshTenant, MeshHandbook.Name) is not { Chunks: > 0 })
            {
                store.TryCreate(new KnowledgeSetRecord(MeshTenant, MeshHandbook.Name, MeshHandbook.Description, options.Value.DefaultModel, 0, 0, 0, time.GetUtcNow()));
                var texts = MeshHandbook.Documents.Select(d => $"{d.Title}. {d.Text}").ToList();
                var authorization = await credentials.AuthorizationAsync(cancellationToken);
                IReadOnlyList<float[]> vectors;
                // The service's own call: none of the caller's context (agent, run) goes with it.
                using (CallScope.Enter(new CallScope(new Caller("tools", "system", PrincipalKind.Service, false), authorization)))
                {
                    (vectors, _) = await embedder.EmbedAsync(options.Value.DefaultModel, texts, new Metadata { { MeshHeaders.Authorization, authorization } }, cancellationToken);
                }

                store.Put(MeshTenant, MeshHandbook.Name, vectors[0].Length,
                    [.. MeshHandbook.Documents.Select((d, i) => new EmbeddedDocument(d.Id, d.Title, "mesh:handbook", d.Text, [(texts[i], vectors[i])]))], time.GetUtcNow());
                LogBuiltInEmbedded(logger, MeshHandbook.Name, texts.Count);
            }

            _builtInReady = true;
        }
        finally
        {
            _builtIn.Release();
        }
    }

    private List<(string Id, string Title, string Source, string Text)> Check(AddDocumentsRequest request)
    {
        var limits = options.Value;
        if (request.Documents.Count == 0 || request.Documents.Count > limits.MaxDocumentsPerCall)
        {
            throw MeshErrors.InvalidArgument("documents", $"{request.Documents.Count} documents given; send 1 to {limits.MaxDocumentsPerCall} per call");
        }

        var problems = new List<string>();
        var documents = new List<(string, string, string, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Documents.Count; i++)
        {
            var document = request.Documents[i];
            var text = document.Text.Trim();
            if (text.Length == 0)
            {
                problems.Add($"documents[{i}].text: is empty");
            }
            else if (text.Length > limits.MaxDocumentCharacters)
            {
                problems.Add($"documents[{i}].text: has {text.Length} characters; at most {limits.MaxDocumentCharacters} (split it)");
            }

            var id = document.Id.Trim().Length > 0 ? document.Id.Trim() : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
            if (id.Length > 200 || id.Any(char.IsControl))
            {
                problems.Add($"documents[{i}].id: must be at most 200 characters without control characters");
            }
            else if (!seen.Add(id))
            {
                problems.Add($"documents[{i}].id: '{id}' appears twice in the request");
            }

            documents.Add((id, document.Title.Trim(), document.Source.Trim(), text));
        }

        if (problems.Count > 0)
        {
            throw MeshErrors.InvalidArgument(problems[0][..problems[0].IndexOf(':', StringComparison.Ordinal)],
                problems.Count == 1 ? problems[0][(problems[0].IndexOf(':', StringComparison.Ordinal) + 2)..] : $"{problems.Count} problems: {string.Join("; ", problems)}");
        }

        return documents;
    }

    private RpcException NotFound(string tenant, string name)
    {
        var sets = store.List(tenant).Select(s => s.Name).Prepend(MeshHandbook.Name);
        return MeshErrors.NotFound("knowledge set", name, $"sets this tenant can use: {string.Join(", ", sets)}");
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Information, Message = "Embedded the built-in knowledge set {Set} ({Count} documents)")]
    private static partial void LogBuiltInEmbedded(ILogger logger, string set, int count);
}
