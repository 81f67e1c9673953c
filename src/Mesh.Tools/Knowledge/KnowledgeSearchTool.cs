using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;

namespace Mesh.Tools.Knowledge;

/// <summary>The built-in <c>knowledge_search</c> tool: top-k chunks of a knowledge set with scores and sources.</summary>
public sealed class KnowledgeSearchTool(KnowledgeSets sets) : ITool
{
    public const string Name = "knowledge_search";

    /// <summary>The price list entry retrievals are billed at.</summary>
    public const string PriceClass = "knowledge-search";

    private const string Schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {
            "set": { "type": "string", "minLength": 1, "maxLength": 64, "description": "the knowledge set; mesh-handbook is built in" },
            "query": { "type": "string", "minLength": 1, "maxLength": 2000, "description": "what to look for, in plain words" },
            "top_k": { "type": "integer", "minimum": 1, "maximum": 20, "description": "how many chunks to return (default 4)" }
          },
          "required": ["set", "query"],
          "additionalProperties": false
        }
        """;

    public ToolDescriptor Descriptor { get; } = new(Name, "1.0.0",
        "Searches a knowledge set and returns the chunks most similar to the query, best first, with their scores (cosine similarity) and sources.",
        Schema, TimeSpan.FromSeconds(10), SideEffect.Read)
    {
        PriceClass = PriceClass,
    };

    public async ValueTask<JsonNode?> ExecuteAsync(JsonElement arguments, CancellationToken cancellationToken)
    {
        var tenant = ToolRun.Current?.Tenant ?? "";
        var topK = arguments.TryGetProperty("top_k", out var k) ? k.GetInt32() : 0;
        var (set, hits) = await sets.SearchAsync(tenant, arguments.GetProperty("set").GetString()!, arguments.GetProperty("query").GetString()!, topK, cancellationToken);
        return new JsonObject
        {
            ["set"] = set.Name,
            ["hits"] = new JsonArray([.. hits.Select(h => (JsonNode)new JsonObject
            {
                ["score"] = Math.Round(h.Score, 6),
                ["document_id"] = h.DocumentId,
                ["title"] = h.Title,
                ["source"] = h.Source,
                ["chunk"] = h.Chunk,
                ["text"] = h.Text,
            })]),
        };
    }
}
