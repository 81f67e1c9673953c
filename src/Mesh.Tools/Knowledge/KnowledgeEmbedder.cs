using Grpc.Core;
using Mesh.Inference.V1;
using Mesh.ServiceDefaults.Errors;
using Microsoft.Extensions.Options;

namespace Mesh.Tools.Knowledge;

/// <summary>
/// Embeds texts through inference's Embed RPC, in batches. Calls made while serving a request
/// carry the caller's credential (the caller's tenant pays, and its scope must include the
/// model); the mesh's built-in sets are embedded with the service's own.
/// </summary>
public sealed class KnowledgeEmbedder(Inference.V1.Inference.InferenceClient inference, IOptions<KnowledgeOptions> options)
{
    public async Task<(IReadOnlyList<float[]> Vectors, long Tokens)> EmbedAsync(string model, IReadOnlyList<string> texts, Metadata? headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new List<float[]>(texts.Count);
        long tokens = 0;
        foreach (var batch in texts.Chunk(options.Value.EmbedBatch))
        {
            var request = new EmbedRequest { Model = model, Inputs = { batch } };
            EmbedResponse response;
            try
            {
                response = await inference.EmbedAsync(request, headers, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound or StatusCode.ResourceExhausted or StatusCode.InvalidArgument)
            {
                throw new RpcException(new Status(ex.StatusCode, $"embedding with model '{model}' through inference failed: {ex.Status.Detail}"));
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable)
            {
                throw MeshErrors.Unavailable($"inference is unavailable to embed with '{model}': {ex.Status.Detail}; retry shortly");
            }

            vectors.AddRange(response.Embeddings.Select(e => e.Values.ToArray()));
            tokens += response.InputTokens;
        }

        return (vectors, tokens);
    }
}
