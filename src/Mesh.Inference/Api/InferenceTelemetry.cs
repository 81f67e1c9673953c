using System.Diagnostics;
using System.Globalization;
using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Mesh.Metering;
using Mesh.ServiceDefaults.Instrumentation;
using Mesh.Usage.V1;

namespace Mesh.Inference.Api;

/// <summary>What a call measured: tokens, waiting, its share of device time, the batch it ran in.</summary>
public sealed record CallMeasures(long InputTokens, long OutputTokens, TimeSpan QueueTime, TimeSpan ComputeTime, int BatchSize)
{
    public static CallMeasures None { get; } = new(0, 0, TimeSpan.Zero, TimeSpan.Zero, 0);
}

/// <summary>
/// The span, GenAI metrics and the one usage event of a model call (device, tokens, queue and
/// compute milliseconds, batch size, device utilization). Events are recorded without the
/// call's cancellation token: work that ran is billed even if the caller left.
/// </summary>
public sealed class InferenceTelemetry(UsageRecorder recorder, GenAiMetrics metrics, DeviceMetrics devices, TimeProvider time)
{
    public Activity? StartActivity(string operation, IServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var activity = metrics.ActivitySource.StartActivity($"{operation} {model.Descriptor.Name}", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", operation);
        activity?.SetTag("gen_ai.provider.name", GenAiMetrics.ProviderName);
        activity?.SetTag("gen_ai.request.model", model.Descriptor.Name);
        activity?.SetTag("mesh.device", model.Device);
        return activity;
    }

    public ValueTask SucceedAsync(
        string operation, UsageKind kind, IServedModel model, WorkPriority priority, CallMeasures measures, Activity? activity, long started,
        IReadOnlyDictionary<string, string>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(measures);
        var usage = Start(kind, model, priority, measures, started);
        usage.Status = UsageStatus.Ok;
        foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
        {
            usage.Attributes[key] = value;
        }

        var elapsed = time.GetElapsedTime(started);
        metrics.RecordTokens(operation, model.Descriptor.Name, "input", measures.InputTokens);
        metrics.RecordTokens(operation, model.Descriptor.Name, "output", measures.OutputTokens);
        metrics.RecordDuration(operation, model.Descriptor.Name, elapsed);
        activity?.SetTag("gen_ai.response.model", model.Descriptor.Name);
        activity?.SetTag("gen_ai.usage.input_tokens", measures.InputTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", measures.OutputTokens);
        activity?.SetTag("mesh.batch_size", measures.BatchSize);
        return recorder.RecordAsync(usage, CancellationToken.None);
    }

    public ValueTask FailAsync(
        string operation, UsageKind kind, IServedModel model, WorkPriority priority, Exception exception, Activity? activity, long started, CallMeasures? measures = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(exception);
        var usage = Start(kind, model, priority, measures ?? CallMeasures.None, started);
        var cancelled = exception is OperationCanceledException;
        var errorType = cancelled ? "cancelled" : exception.GetType().Name;
        usage.Status = cancelled ? UsageStatus.Cancelled : UsageStatus.Error;
        usage.Attributes["error.type"] = errorType;
        metrics.RecordDuration(operation, model.Descriptor.Name, time.GetElapsedTime(started), errorType);
        activity?.SetTag("error.type", errorType);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return recorder.RecordAsync(usage, CancellationToken.None);
    }

    private UsageEvent Start(UsageKind kind, IServedModel model, WorkPriority priority, CallMeasures measures, long started)
    {
        var usage = recorder.Start(kind, model.Descriptor.Name, model.Descriptor.Version);
        var (used, utilization) = devices.Reading(model.Device);
        usage.Device = model.Device;
        usage.InputTokens = measures.InputTokens;
        usage.OutputTokens = measures.OutputTokens;
        usage.QueueMs = measures.QueueTime.TotalMilliseconds;
        usage.ComputeMs = measures.ComputeTime.TotalMilliseconds;
        usage.BatchSize = Math.Max(1, measures.BatchSize);
        usage.TotalMs = time.GetElapsedTime(started).TotalMilliseconds;
        usage.Attributes["priority"] = WorkPriorities.Name(priority);
        usage.Attributes["price_class"] = model.Descriptor.BillingResource;
        usage.Attributes["device.utilization"] = utilization.ToString("0.###", CultureInfo.InvariantCulture);
        usage.Attributes["device.memory_used_bytes"] = used.ToString(CultureInfo.InvariantCulture);
        if (measures.BatchSize > 0)
        {
            devices.RecordBatch(model.Descriptor.Name, kind.ToString(), measures.BatchSize);
        }

        return usage;
    }
}
