using System.Text.Json.Nodes;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Inference.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary>
/// <c>generate</c>: a causal language model completes the rendered prompt; tokens are streamed
/// to watchers as they come. Greedy (temperature 0) unless the step asks otherwise, so a step
/// run again after a crash writes the same text.
/// </summary>
public sealed class GenerateStep(Inference.V1.Inference.InferenceClient inference) : IStepHandler
{
    public string Kind => StepKinds.Generate;

    public async Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var step = invocation.Step;
        var request = new GenerateRequest
        {
            Model = step.String("model")!,
            Prompt = invocation.RenderText("prompt"),
            MaxTokens = step.Integer("maxTokens") ?? 64,
            Temperature = (float)(step.Number("temperature") ?? 0),
            TopK = step.Integer("topK") ?? 0,
            TopP = (float)(step.Number("topP") ?? 0),
        };
        if (step.Integer("seed") is { } seed)
        {
            request.Seed = (ulong)seed;
        }

        if (step.Node("stop") is JsonArray stops)
        {
            request.Stop.AddRange(stops.Select(s => s?.GetValue<string>() ?? "").Where(s => s.Length > 0));
        }

        if (string.IsNullOrEmpty(request.Prompt))
        {
            throw StepFailureException.Invalid($"{step.Path}.prompt: rendered to an empty prompt");
        }

        var (text, summary, finish) = await GenerationStream.ReadAsync(inference, request, invocation, cancellationToken);
        var result = new JsonObject
        {
            ["text"] = text,
            ["finishReason"] = finish,
            ["inputTokens"] = summary?.InputTokens ?? 0,
            ["outputTokens"] = summary?.OutputTokens ?? 0,
        };
        return new StepResult(result, $"{summary?.OutputTokens ?? 0} tokens ({finish}) on {summary?.Device}")
        {
            Name = request.Model,
            InputTokens = summary?.InputTokens ?? 0,
            OutputTokens = summary?.OutputTokens ?? 0,
        };
    }
}
