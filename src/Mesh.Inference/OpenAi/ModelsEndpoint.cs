using System.Text.Json;
using Mesh.Inference.Models;
using Mesh.Inference.V1;

namespace Mesh.Inference.OpenAi;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the embedding and language models (authenticated like ListModels).</summary>
public sealed class ModelsEndpoint(OpenAiCall call)
{
    private static readonly DateTimeOffset Created = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task ListAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            var models = await ModelsAsync(http);
            await JsonResponse.WriteAsync(http, json =>
            {
                json.WriteStartObject();
                json.WriteString("object", "list");
                json.WriteStartArray("data");
                foreach (var model in models)
                {
                    Write(json, model);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            await OpenAiErrors.WriteAsync(http, ex);
        }
    }

    public async Task GetAsync(HttpContext http, string id)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            var models = await ModelsAsync(http);
            var model = models.FirstOrDefault(m => string.Equals(m.Name, id, StringComparison.OrdinalIgnoreCase))
                ?? throw ServiceDefaults.Errors.MeshErrors.NotFound("model", id, $"available models: {string.Join(", ", models.Select(m => m.Name))}");
            await JsonResponse.WriteAsync(http, json => Write(json, model));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            await OpenAiErrors.WriteAsync(http, ex);
        }
    }

    private async Task<List<ModelInfo>> ModelsAsync(HttpContext http)
    {
        var (response, _) = await call.UnaryAsync<ListModelsRequest, ListModelsResponse>(http, "ListModels", new ListModelsRequest(), (s, r, c) => s.ListModels(r, c));
        return [.. response.Models.Where(m => m.Kind is ModelKinds.Embedding or ModelKinds.CausalLm)];
    }

    private static void Write(Utf8JsonWriter json, ModelInfo model)
    {
        json.WriteStartObject();
        json.WriteString("id", model.Name);
        json.WriteString("object", "model");
        json.WriteNumber("created", Created.ToUnixTimeSeconds());
        json.WriteString("owned_by", string.IsNullOrEmpty(model.Upstream) ? "mesh" : "mesh-hosted");
        json.WriteEndObject();
    }
}
