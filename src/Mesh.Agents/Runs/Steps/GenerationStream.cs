using System.Text;
using Grpc.Core;
using Mesh.Inference.V1;

namespace Mesh.Agents.Runs.Steps;

/// <summary>What one Generate call wrote: its text, the closing summary and why it stopped.</summary>
internal sealed record GeneratedText(string Text, GenerateSummary? Summary, string FinishReason);

/// <summary>Reads a Generate stream for a step, passing tokens on to the run's watchers as they come.</summary>
internal static class GenerationStream
{
    public static async Task<GeneratedText> ReadAsync(Inference.V1.Inference.InferenceClient inference, GenerateRequest request, StepInvocation invocation, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        GenerateSummary? summary = null;
        var finish = "";
        try
        {
            using var call = inference.Generate(request, cancellationToken: cancellationToken);
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                text.Append(chunk.Text);
                if (chunk.Text.Length > 0)
                {
                    invocation.Run.Live.Tokens(invocation.StepId, chunk.Text, chunk.TokenIds.Count);
                }

                summary = chunk.Summary ?? summary;
                finish = chunk.FinishReason.Length > 0 ? chunk.FinishReason : finish;
            }
        }
        catch (RpcException ex)
        {
            throw StepFailureException.From(ex, sideEffect: false);
        }

        return new GeneratedText(text.ToString(), summary, finish);
    }
}
