using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Knowledge;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;
using Mesh.Inference.V1;
using Mesh.Metering;
using Mesh.Usage.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary>
/// <c>retrieve</c>: searches a knowledge set through the tools service's <c>knowledge_search</c>
/// tool (hits as <c>[{id, title, text, score, source}]</c>). The built-in handbook is searched
/// here instead when the step gives a vector the run already embedded (the tool would embed the
/// query again) or the tool is not available, metered as one retrieval.
/// </summary>
public sealed class RetrieveStep(
    Inference.V1.Inference.InferenceClient inference,
    KnowledgeIndex handbook,
    ToolStep tools,
    UsageRecorder usage,
    TimeProvider time) : IStepHandler
{
    public const string SearchTool = "knowledge_search";

    /// <summary>The most hits <see cref="SearchTool"/> answers at once.</summary>
    public const int MaxToolTop = 20;

    public string Kind => StepKinds.Retrieve;

    public async Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var set = invocation.Step.String("knowledge")!;
        var top = invocation.Step.Integer("top") ?? 3;
        if (!string.Equals(set, BuiltInKnowledge.Name, StringComparison.Ordinal)
            || (invocation.Step.Node("vector") is null && await invocation.Run.ToolAvailableAsync(SearchTool, cancellationToken)))
        {
            var arguments = new JsonObject { ["set"] = set, ["query"] = invocation.RenderText("query"), ["top_k"] = Math.Min(top, MaxToolTop) };
            var call = await tools.InvokeAsync(invocation.Run, SearchTool, "", arguments, invocation.IdempotencyKey, $"{invocation.Step.Path}.query", cancellationToken);
            var found = Hits(call.Result);
            return new StepResult(found, $"{SearchTool} over {set}: {found.Count} hits") { Name = set, Tool = call };
        }

        var started = time.GetTimestamp();
        var vector = await VectorAsync(invocation, cancellationToken);
        var hits = await handbook.SearchAsync(vector, top, cancellationToken);
        var searchEvent = usage.Start(UsageKind.Retrieval, "knowledge-search", BuiltInKnowledge.Name);
        searchEvent.ComputeMs = searchEvent.TotalMs = time.GetElapsedTime(started).TotalMilliseconds;
        var result = new JsonArray([.. hits.Select(h => (JsonNode?)new JsonObject
        {
            ["id"] = h.Document.Id,
            ["title"] = h.Document.Title,
            ["text"] = h.Document.Text,
            ["score"] = Math.Round(h.Score, 6),
        })]);
        var summary = string.Join(", ", hits.Select(h => $"{h.Document.Title} ({h.Score:0.00})"));
        return new StepResult(result, summary) { Name = set, Usage = [searchEvent] };
    }

    /// <summary>The tool's <c>{set, hits: [{document_id, title, text, score, source, chunk}]}</c> as the step's hit list.</summary>
    private static JsonArray Hits(JsonNode? result) =>
        new([.. (result?["hits"] as JsonArray ?? []).Select(h => (JsonNode?)new JsonObject
        {
            ["id"] = h?["document_id"]?.DeepClone(),
            ["title"] = h?["title"]?.DeepClone(),
            ["text"] = h?["text"]?.DeepClone(),
            ["score"] = h?["score"]?.DeepClone(),
            ["source"] = h?["source"]?.DeepClone(),
        })]);

    private async Task<float[]> VectorAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.Step.Node("vector") is not null && invocation.Render("vector") is JsonArray given)
        {
            return [.. given.Select(v => (float)Values.Number(v, "vector"))];
        }

        var query = invocation.RenderText("query");
        if (string.IsNullOrWhiteSpace(query))
        {
            throw StepFailureException.Invalid($"{invocation.Step.Path}.query: rendered to an empty query");
        }

        try
        {
            var response = await inference.EmbedAsync(new EmbedRequest { Model = KnowledgeIndex.Model, Inputs = { query } }, cancellationToken: cancellationToken);
            return [.. response.Embeddings[0].Values];
        }
        catch (RpcException ex)
        {
            throw StepFailureException.From(ex, sideEffect: false);
        }
    }
}
