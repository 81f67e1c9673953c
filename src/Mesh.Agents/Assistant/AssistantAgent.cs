using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Mesh.Agents.Knowledge;
using Mesh.Agents.Runs;
using Mesh.Agents.V1;
using Mesh.Inference.V1;
using Mesh.Metering;
using Mesh.Tools.V1;
using Mesh.Usage.V1;

namespace Mesh.Agents.Assistant;

/// <summary>
/// The default agent: embeds the question, searches the built-in knowledge set, calls the
/// calculator when the question holds arithmetic, and answers.
/// </summary>
public sealed class AssistantAgent(
    Inference.V1.Inference.InferenceClient inference,
    Tools.V1.Tools.ToolsClient tools,
    KnowledgeIndex knowledge,
    StepRunner steps,
    UsageRecorder usage,
    TimeProvider time) : IAgent
{
    private const int TopHits = 3;

    public string Name => "assistant";

    public string Version => "1";

    public string Description => "Answers questions about Mesh from its handbook and does arithmetic with the calculator tool.";

    public IReadOnlyList<string> Tools { get; } = ["calculator"];

    public IReadOnlyList<string> Models { get; } = [KnowledgeIndex.Model];

    public async Task RunAsync(string input, RunStream run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var started = time.GetTimestamp();
        await run.WriteAsync(new RunEvent { Started = new RunStarted { Agent = Name, Input = input } }, cancellationToken);

        var vector = await steps.RunAsync(this, run, "embed", KnowledgeIndex.Model, EmbedAsync(input), cancellationToken);
        var hits = await steps.RunAsync(this, run, "retrieve", BuiltInKnowledge.Name, SearchAsync(vector), cancellationToken);
        var calculation = ExpressionExtractor.Find(input) is { } expression
            ? await steps.RunAsync(this, run, "tool", "calculator", CalculateAsync(expression), cancellationToken)
            : null;
        var answer = await steps.RunAsync(this, run, "answer", Name, _ =>
            Task.FromResult(new StepOutcome<string>(AnswerComposer.Compose(hits, calculation), "composed the answer")), cancellationToken);

        var completed = new RunCompleted { Answer = answer, Steps = run.Steps, DurationMs = time.GetElapsedTime(started).TotalMilliseconds };
        completed.Sources.AddRange(hits.Select(h => new Source { Id = h.Document.Id, Title = h.Document.Title, Score = h.Score }));
        await run.WriteAsync(new RunEvent { Completed = completed }, cancellationToken);
    }

    private Func<CancellationToken, Task<StepOutcome<float[]>>> EmbedAsync(string input) => async ct =>
    {
        var request = new EmbedRequest { Model = KnowledgeIndex.Model, Inputs = { input } };
        var response = await inference.EmbedAsync(request, cancellationToken: ct);
        var vector = response.Embeddings[0].Values.ToArray();
        return new StepOutcome<float[]>(vector, $"{vector.Length}-dim embedding of {response.InputTokens} tokens on {response.Device}", response.InputTokens);
    };

    private Func<CancellationToken, Task<StepOutcome<IReadOnlyList<KnowledgeHit>>>> SearchAsync(float[] vector) => async ct =>
    {
        var searchStarted = time.GetTimestamp();
        var hits = await knowledge.SearchAsync(vector, TopHits, ct);
        var searchEvent = usage.Start(UsageKind.Retrieval, "knowledge-search", BuiltInKnowledge.Name);
        searchEvent.ComputeMs = searchEvent.TotalMs = time.GetElapsedTime(searchStarted).TotalMilliseconds;
        await usage.RecordAsync(searchEvent, ct);
        var summary = string.Join(", ", hits.Select(h => $"{h.Document.Title} ({h.Score.ToString("0.00", CultureInfo.InvariantCulture)})"));
        return new StepOutcome<IReadOnlyList<KnowledgeHit>>(hits, summary);
    };

    private Func<CancellationToken, Task<StepOutcome<Calculation>>> CalculateAsync(string expression) => async ct =>
    {
        var arguments = JsonSerializer.Serialize(new { expression });
        try
        {
            var response = await tools.InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = arguments }, cancellationToken: ct);
            using var result = JsonDocument.Parse(response.ResultJson);
            var value = result.RootElement.GetProperty("value").GetDouble();
            return new StepOutcome<Calculation>(new Calculation(expression, value, null), $"{expression} = {value.ToString("G15", CultureInfo.InvariantCulture)}");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            // The expression was not computable (division by zero, overflow): that is the answer.
            return new StepOutcome<Calculation>(new Calculation(expression, null, ex.Status.Detail), $"calculator refused {expression}: {ex.Status.Detail}");
        }
    };
}
