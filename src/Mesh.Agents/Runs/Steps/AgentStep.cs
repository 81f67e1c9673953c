using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Mesh.Agents.Workflows.Definitions;
using Mesh.Inference.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary>
/// <c>agent</c>: a model given tools, in a loop. Each turn the model writes one decision, as JSON
/// that inference constrains to a schema built from the tools' own argument schemas: call a tool
/// (<c>{"tool": name, "arguments": {...}}</c>) or answer (<c>{"answer": "..."}</c>); on the last
/// turn only an answer is allowed, so the step always ends within <c>maxIterations</c>. Tool calls
/// go through the tool step's path (schema check, the run's credential, an idempotency key per
/// turn), so an attempt run again after a crash is answered from the tools ledger, never repeated.
/// Greedy decoding: the same conversation takes the same decisions.
/// </summary>
public sealed class AgentStep(Inference.V1.Inference.InferenceClient inference, ToolStep tools) : IStepHandler
{
    public const int DefaultIterations = 5;
    private const int DefaultTurnTokens = 192;

    public string Kind => StepKinds.Agent;

    public async Task<StepResult> RunAsync(StepInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var step = invocation.Step;
        var model = step.String("model")!;
        var task = invocation.RenderText("prompt");
        if (string.IsNullOrWhiteSpace(task))
        {
            throw StepFailureException.Invalid($"{step.Path}.prompt: rendered to an empty prompt");
        }

        var available = await ToolsAsync(tools, invocation, cancellationToken);
        var iterations = step.Integer("maxIterations") ?? DefaultIterations;
        var conversation = new List<ChatMessage>
        {
            new() { Role = "system", Content = Instructions(available) },
            new() { Role = "user", Content = task },
        };
        var calls = new JsonArray();
        long input = 0, output = 0;
        for (var turn = 1; turn <= iterations; turn++)
        {
            var last = turn == iterations;
            var (decision, inTokens, outTokens) = await DecideAsync(invocation, model, conversation, DecisionSchema(available, answerOnly: last), cancellationToken);
            input += inTokens;
            output += outTokens;
            if (decision["answer"] is { } answer)
            {
                var result = new JsonObject { ["answer"] = answer.DeepClone(), ["iterations"] = turn, ["calls"] = calls, ["inputTokens"] = input, ["outputTokens"] = output };
                return new StepResult(result, $"answered after {turn} turn(s) and {calls.Count} tool call(s)") { Name = model, InputTokens = input, OutputTokens = output };
            }

            var name = decision["tool"]!.GetValue<string>();
            var arguments = decision["arguments"] ?? new JsonObject();
            JsonNode? outcome;
            var replayed = false;
            try
            {
                var call = await tools.InvokeAsync(invocation.Run, name, "", arguments.DeepClone(), $"{invocation.IdempotencyKey}/turn-{turn}", $"{step.Path} turn {turn}", cancellationToken);
                (outcome, replayed) = (call.Result?.DeepClone(), call.Replayed);
            }
            catch (StepFailureException refused) when (refused.Code is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange)
            {
                // The model's arguments were wrong, or the tool said no: it reads why and decides again.
                outcome = new JsonObject { ["error"] = refused.Message };
            }

            calls.Add(new JsonObject { ["tool"] = name, ["arguments"] = arguments.DeepClone(), ["result"] = outcome?.DeepClone(), ["replayed"] = replayed });
            conversation.Add(new ChatMessage { Role = "assistant", Content = decision.ToJsonString() });
            conversation.Add(new ChatMessage { Role = "tool", Name = name, Content = outcome?.ToJsonString() ?? "null" });
        }

        throw new InvalidOperationException("the last turn allows only an answer");
    }

    /// <summary>The step's tools as the run's credential sees them, with their argument schemas.</summary>
    private static async Task<List<(string Name, string Description, string Schema)>> ToolsAsync(ToolStep tools, StepInvocation invocation, CancellationToken cancellationToken)
    {
        var names = invocation.Step.Node("tools") as JsonArray ?? [];
        var list = new List<(string, string, string)>();
        foreach (var name in names.Select(n => n?.GetValue<string>() ?? ""))
        {
            var info = await tools.DescribeAsync(invocation.Run, name, cancellationToken)
                ?? throw new StepFailureException(StatusCode.PermissionDenied, $"{invocation.Step.Path}.tools: the run may not use tool '{name}', or it does not exist", retriable: false);
            list.Add((info.Name, info.Description, string.IsNullOrEmpty(info.ArgumentsSchema) ? """{"type":"object"}""" : info.ArgumentsSchema));
        }

        return list;
    }

    private async Task<(JsonObject Decision, long InputTokens, long OutputTokens)> DecideAsync(
        StepInvocation invocation, string model, List<ChatMessage> conversation, string schema, CancellationToken cancellationToken)
    {
        var request = new GenerateRequest
        {
            Model = model,
            MaxTokens = invocation.Step.Integer("maxTokens") ?? DefaultTurnTokens,
            JsonSchema = schema,
            Temperature = 0,
        };
        request.Messages.AddRange(conversation);
        var (text, summary, _) = await GenerationStream.ReadAsync(inference, request, invocation, cancellationToken);
        try
        {
            return (JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object"), summary?.InputTokens ?? 0, summary?.OutputTokens ?? 0);
        }
        catch (JsonException ex)
        {
            // Constrained output is complete JSON unless the turn ran out of tokens.
            throw new StepFailureException(StatusCode.ResourceExhausted,
                $"{invocation.Step.Path}: the model's decision was cut off ({ex.Message}); give the step more maxTokens", retriable: false);
        }
    }

    /// <summary>One call of one of the tools with arguments matching its schema, or an answer; on the last turn an answer only.</summary>
    public static string DecisionSchema(IReadOnlyList<(string Name, string Description, string Schema)> tools, bool answerOnly)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var answer = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["answer"] = new JsonObject { ["type"] = "string" } },
            ["required"] = new JsonArray("answer"),
            ["additionalProperties"] = false,
        };
        if (answerOnly || tools.Count == 0)
        {
            return answer.ToJsonString();
        }

        var choices = new JsonArray();
        foreach (var (name, _, schema) in tools)
        {
            choices.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["tool"] = new JsonObject { ["const"] = name },
                    ["arguments"] = JsonNode.Parse(schema),
                },
                ["required"] = new JsonArray("tool", "arguments"),
                ["additionalProperties"] = false,
            });
        }

        choices.Add(answer);
        return new JsonObject { ["anyOf"] = choices }.ToJsonString();
    }

    private static string Instructions(IReadOnlyList<(string Name, string Description, string Schema)> tools)
    {
        var text = new StringBuilder("You complete the user's task. Each turn, either call one tool, as {\"tool\": name, \"arguments\": {...}}, ")
            .Append("or give the final answer, as {\"answer\": \"...\"}. Tool results come back as tool messages. Tools:\n");
        foreach (var (name, description, schema) in tools)
        {
            text.Append("- ").Append(name).Append(": ").Append(description).Append(" Arguments: ").Append(schema).Append('\n');
        }

        return text.ToString();
    }
}
