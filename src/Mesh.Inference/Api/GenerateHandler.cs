using System.Text;
using System.Threading.Channels;
using Grpc.Core;
using Mesh.Inference.Generation;
using Mesh.Inference.Hosted;
using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Mesh.Inference.Structured;
using Mesh.Inference.V1;

namespace Mesh.Inference.Api;

/// <summary>
/// Generate: validate, render chat messages with the model's template, tokenize, hand the sequence
/// (with its structured-output constraint, if any) to the model's engine and stream its text; a
/// hosted model's call goes to its upstream instead. When the caller reads slower than tokens come,
/// the text waiting is sent as one message. With tools, the answer comes whole in the last message:
/// its text, or the tool calls it made. A cancelled call frees its place in the batch at the engine's next step.
/// </summary>
public sealed class GenerateHandler(
    GenerateRequestValidator validator, ModelHost models, StructuredOutput structured, HostedGenerator hosted, InferenceTelemetry telemetry, TimeProvider time)
{
    public const string Operation = "text_completion";

    public async Task GenerateAsync(GenerateRequest request, IServerStreamWriter<GenerateResponse> stream, DateTime deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var started = time.GetTimestamp();
        var descriptor = validator.FindModel(request);
        var schema = structured.Validate(request);
        using var lease = await models.AcquireAsync(descriptor, cancellationToken);
        var served = lease.Served;
        if (served is HostedChatModel hostedModel)
        {
            await hosted.GenerateAsync(hostedModel, request, stream, started, cancellationToken);
            return;
        }

        var decoder = (ServedDecoderModel)served;
        var model = decoder.Model;
        var spec = GenerateRequestValidator.Spec(request, descriptor, [.. model.Tokenizer.EncodeToIds(PromptText.Of(request, descriptor))]);
        if (schema is not null)
        {
            spec = spec with { Constraint = structured.Constraint(schema, model) };
        }

        var priority = WorkPriorities.From(request.Priority);
        var sequence = new GenerationSequence(spec, CallTenant.Current, priority, time.GetTimestamp(), new TextStream(model.Tokenizer, spec.Stops));
        decoder.Engine.Submit(sequence);
        using var activity = telemetry.StartActivity(Operation, decoder);
        await using var registration = cancellationToken.Register(() => decoder.Engine.Cancel(sequence));
        var whole = StructuredOutput.UsesTools(request) ? new StringBuilder() : null;
        TimeSpan? firstToken = null;
        try
        {
            await foreach (var chunk in Coalesce(sequence.Output, cancellationToken))
            {
                firstToken ??= chunk.TokenIds.Length > 0 ? time.GetElapsedTime(started) : null;
                var response = new GenerateResponse { Text = chunk.Text, FinishReason = chunk.FinishReason ?? "" };
                response.TokenIds.AddRange(chunk.TokenIds);
                if (whole is not null)
                {
                    whole.Append(chunk.Text);
                    response.Text = chunk.Stats is null ? "" : whole.ToString();
                }

                if (chunk.Stats is { } stats)
                {
                    if (whole is not null && StructuredOutput.ToolCalls(request, whole.ToString()) is { Count: > 0 } calls)
                    {
                        response.ToolCalls.AddRange(calls);
                        response.Text = "";
                        response.FinishReason = "tool_calls";
                    }

                    response.Summary = Summary(decoder, stats);
                    var measures = new CallMeasures(stats.InputTokens, stats.OutputTokens, stats.QueueTime, stats.ComputeTime, stats.MaxBatchSize)
                    {
                        CachedTokens = stats.CachedTokens,
                        KvBlocks = stats.KvBlocks,
                    };
                    var attributes = new Dictionary<string, string> { ["finish_reason"] = response.FinishReason };
                    if (schema is not null)
                    {
                        attributes["structured_output"] = "json_schema";
                    }

                    telemetry.Succeeded(Operation, decoder, priority, measures, activity, started, attributes);
                    telemetry.FirstToken(Operation, decoder, firstToken, time.GetElapsedTime(started), stats.OutputTokens);
                    await stream.WriteAsync(response, cancellationToken);
                    return;
                }

                if (whole is null)
                {
                    await stream.WriteAsync(response, cancellationToken);
                }
            }
        }
        catch (Exception ex)
        {
            decoder.Engine.Cancel(sequence);
            // Past its deadline the call may be over (a write fails) before the token is signalled.
            var callOver = cancellationToken.IsCancellationRequested || time.GetUtcNow().UtcDateTime >= deadline;
            var partial = new CallMeasures(spec.PromptTokens.Length, sequence.Generated.Count, sequence.QueueTime, TimeSpan.FromMilliseconds(sequence.ComputeMs), sequence.MaxBatchSize)
            {
                CachedTokens = sequence.CachedTokens,
                KvBlocks = sequence.PeakBlocks,
            };
            telemetry.Failed(Operation, decoder, priority, callOver ? new OperationCanceledException(ex.Message, ex) : ex, activity, started, partial);
            if (callOver && ex is not OperationCanceledException)
            {
                throw new OperationCanceledException("the generation was cancelled", ex, cancellationToken);
            }

            throw;
        }
    }

    /// <summary>Reads the next chunk and merges whatever else is already waiting into it.</summary>
    private static async IAsyncEnumerable<GenerationChunk> Coalesce(ChannelReader<GenerationChunk> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            if (!reader.TryRead(out var chunk))
            {
                continue;
            }

            if (chunk.FinishReason is not null || !reader.TryPeek(out _))
            {
                yield return chunk; // nothing else waits: the common case, no copy
                continue;
            }

            var text = new StringBuilder(chunk.Text);
            var tokens = new List<int>(chunk.TokenIds);
            while (chunk.FinishReason is null && reader.TryRead(out var next))
            {
                text.Append(next.Text);
                tokens.AddRange(next.TokenIds);
                chunk = next;
            }

            yield return chunk with { Text = text.ToString(), TokenIds = [.. tokens] };
        }
    }

    private static GenerateSummary Summary(ServedDecoderModel served, GenerationStats stats) => new()
    {
        Model = served.Descriptor.Name,
        ModelVersion = served.Descriptor.Version,
        Device = served.Device,
        InputTokens = stats.InputTokens,
        OutputTokens = stats.OutputTokens,
        QueueMs = stats.QueueTime.TotalMilliseconds,
        ComputeMs = stats.ComputeTime.TotalMilliseconds,
        MaxBatchSize = stats.MaxBatchSize,
        CachedTokens = stats.CachedTokens,
        KvBlocks = stats.KvBlocks,
    };
}
