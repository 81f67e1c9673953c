using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Agents.Workflows.Expressions;
using Mesh.Inference.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary><c>embed</c>: embeds a text (the result is its vector) or a list of texts (a list of vectors).</summary>
public sealed class EmbedStep(Inference.V1.Inference.InferenceClient inference) : IStepHandler
{
    public string Kind => StepKinds.Embed;

    public async Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var model = invocation.Step.String("model")!;
        var input = invocation.Render("input");
        var texts = input is JsonArray list ? list.Select(Values.Text).ToList() : [Values.Text(input)];
        if (texts.Count == 0 || texts.Any(string.IsNullOrWhiteSpace))
        {
            throw StepFailureException.Invalid($"{invocation.Step.Path}.input: rendered to an empty text; an embed step needs text to embed");
        }

        EmbedResponse response;
        try
        {
            response = await inference.EmbedAsync(new EmbedRequest { Model = model, Inputs = { texts } }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            throw StepFailureException.From(ex, sideEffect: false);
        }

        var vectors = response.Embeddings.Select(e => (JsonNode?)new JsonArray([.. e.Values.Select(v => (JsonNode?)JsonValue.Create(v))])).ToList();
        JsonNode? result = input is JsonArray ? new JsonArray([.. vectors]) : vectors[0];
        return new StepResult(result, $"{texts.Count} text(s), {response.Embeddings[0].Values.Count}-dim, {response.InputTokens} tokens on {response.Device}")
        {
            Name = model,
            InputTokens = response.InputTokens,
        };
    }
}
