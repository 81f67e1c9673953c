using System.Diagnostics;
using Mesh.Inference.Embeddings;
using Mesh.ServiceDefaults.Instrumentation;
using Mesh.ServiceDefaults.Usage;
using Mesh.Usage.V1;

namespace Mesh.Inference.Api;

/// <summary>
/// The span, GenAI metrics and the one usage event of an Embed call. Events are recorded
/// without the call's cancellation token: work that ran is billed even if the caller left.
/// </summary>
public sealed class EmbeddingTelemetry(UsageRecorder recorder, GenAiMetrics metrics, TimeProvider time)
{
    public const string Operation = "embeddings";

    public Activity? StartActivity(EmbeddingModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var activity = metrics.ActivitySource.StartActivity($"{Operation} {model.Descriptor.Name}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", Operation);
        activity?.SetTag("gen_ai.provider.name", GenAiMetrics.ProviderName);
        activity?.SetTag("gen_ai.request.model", model.Descriptor.Name);
        activity?.SetTag("mesh.device", model.Device);
        return activity;
    }

    /// <summary>The usage event of a call that got the model and is about to run it.</summary>
    public UsageEvent Begin(EmbeddingModel model, int batchSize, TimeSpan queueTime)
    {
        ArgumentNullException.ThrowIfNull(model);
        var usage = recorder.Start(UsageKind.Embedding, model.Descriptor.Name, model.Descriptor.Version);
        usage.Device = model.Device;
        usage.BatchSize = batchSize;
        usage.QueueMs = queueTime.TotalMilliseconds;
        return usage;
    }

    public ValueTask SucceedAsync(UsageEvent usage, Activity? activity, EmbeddingBatch batch, long startedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(batch);
        var elapsed = time.GetElapsedTime(startedTimestamp);
        usage.InputTokens = batch.InputTokens;
        usage.OutputTokens = 0;
        usage.ComputeMs = batch.ComputeTime.TotalMilliseconds;
        usage.TotalMs = elapsed.TotalMilliseconds;
        usage.Status = UsageStatus.Ok;
        usage.Attributes["truncated_inputs"] = batch.TruncatedInputs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metrics.RecordTokens(Operation, usage.Resource, "input", batch.InputTokens);
        metrics.RecordDuration(Operation, usage.Resource, elapsed);
        activity?.SetTag("gen_ai.response.model", usage.Resource);
        activity?.SetTag("gen_ai.usage.input_tokens", batch.InputTokens);
        activity?.SetTag("gen_ai.embeddings.dimension.count", batch.Vectors.Length > 0 ? batch.Vectors[0].Length : 0);
        activity?.SetTag("mesh.truncated_inputs", batch.TruncatedInputs);
        return recorder.RecordAsync(usage, CancellationToken.None);
    }

    public ValueTask FailAsync(UsageEvent usage, Activity? activity, Exception exception, long startedTimestamp)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(exception);
        var elapsed = time.GetElapsedTime(startedTimestamp);
        var cancelled = exception is OperationCanceledException;
        var errorType = cancelled ? "cancelled" : exception.GetType().Name;
        usage.TotalMs = elapsed.TotalMilliseconds;
        usage.Status = cancelled ? UsageStatus.Cancelled : UsageStatus.Error;
        usage.Attributes["error.type"] = errorType;
        metrics.RecordDuration(Operation, usage.Resource, elapsed, errorType);
        activity?.SetTag("error.type", errorType);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return recorder.RecordAsync(usage, CancellationToken.None);
    }
}
