using System.Diagnostics;
using System.Globalization;
using Mesh.Inference.Devices;
using Mesh.Inference.Models;
using Mesh.Inference.Scheduling;
using Mesh.Metering.Calls;
using Mesh.Metering.Estimates;
using Mesh.ServiceDefaults.Instrumentation;
using Mesh.Usage.V1;

namespace Mesh.Inference.Api;

/// <summary>
/// What a call measured: tokens, waiting, its share of device time, the batch it ran in; for a
/// generation also the prompt tokens the prefix cache supplied and the most key-value blocks it held.
/// </summary>
public sealed record CallMeasures(long InputTokens, long OutputTokens, TimeSpan QueueTime, TimeSpan ComputeTime, int BatchSize)
{
    public static CallMeasures None { get; } = new(0, 0, TimeSpan.Zero, TimeSpan.Zero, 0);

    /// <summary>Prompt tokens whose prefill the prefix cache saved.</summary>
    public long CachedTokens { get; init; }

    /// <summary>The most key-value blocks the call held at once; null for models without a key-value pool.</summary>
    public int? KvBlocks { get; init; }
}

/// <summary>
/// The span, GenAI metrics and the measures on the one usage event of a model call (device,
/// tokens, queue and device-time milliseconds, batch size, device utilization; for generations the
/// key-value blocks held and whether the prompt prefix came from the cache). The metering
/// interceptor records the event when the call ends.
/// </summary>
public sealed class InferenceTelemetry(GenAiMetrics metrics, DeviceMetrics devices, ComputeEstimator estimates, TimeProvider time)
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

    /// <summary>The call succeeded: its measures go on the call's usage event, its metrics and span.</summary>
    public void Succeeded(
        string operation, IServedModel model, WorkPriority priority, CallMeasures measures, Activity? activity, long started,
        IReadOnlyDictionary<string, string>? attributes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(measures);
        if (Measure(model, priority, measures) is { } usage)
        {
            foreach (var (key, value) in attributes ?? new Dictionary<string, string>())
            {
                usage.Attributes[key] = value;
            }
        }

        var descriptor = model.Descriptor;
        estimates.Observe(descriptor.Name, descriptor.Version, model.Device,
            Authorization.ModelAccess.Units(descriptor.Kind, measures.InputTokens, measures.OutputTokens), measures.ComputeTime.TotalMilliseconds, measures.BatchSize);
        metrics.RecordTokens(operation, model.Descriptor.Name, "input", measures.InputTokens);
        metrics.RecordTokens(operation, model.Descriptor.Name, "output", measures.OutputTokens);
        metrics.RecordDuration(operation, model.Descriptor.Name, time.GetElapsedTime(started));
        activity?.SetTag("gen_ai.response.model", model.Descriptor.Name);
        activity?.SetTag("gen_ai.usage.input_tokens", measures.InputTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", measures.OutputTokens);
        activity?.SetTag("mesh.batch_size", measures.BatchSize);
    }

    /// <summary>A streamed generation's time to its first token: on its usage event and the server's GenAI metrics.</summary>
    public void FirstToken(string operation, IServedModel model, TimeSpan? firstToken, TimeSpan total, long outputTokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (firstToken is not { } ttft)
        {
            return;
        }

        if (UsageScope.Current is { } scope)
        {
            scope.Event.TimeToFirstTokenMs = ttft.TotalMilliseconds;
        }

        metrics.RecordTokenTimes(operation, model.Descriptor.Name, ttft, total, outputTokens);
    }

    /// <summary>The call failed or was cancelled: what ran up to then goes on its usage event, with the reason.</summary>
    public void Failed(
        string operation, IServedModel model, WorkPriority priority, Exception exception, Activity? activity, long started, CallMeasures? measures = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(exception);
        var cancelled = exception is OperationCanceledException;
        var errorType = cancelled ? "cancelled" : exception is Grpc.Core.RpcException rpc ? rpc.StatusCode.ToString() : exception.GetType().Name;
        if (Measure(model, priority, measures ?? CallMeasures.None) is { } usage)
        {
            usage.Status = cancelled ? UsageStatus.Cancelled : UsageStatus.Error;
            usage.Attributes["error.type"] = errorType;
        }

        metrics.RecordDuration(operation, model.Descriptor.Name, time.GetElapsedTime(started), errorType);
        activity?.SetTag("error.type", errorType);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    /// <summary>Fills the call's usage event (when the call is metered) with the model and what it measured.</summary>
    private UsageEvent? Measure(IServedModel model, WorkPriority priority, CallMeasures measures)
    {
        if (measures.BatchSize > 0)
        {
            devices.RecordBatch(model.Descriptor.Name, UsageScope.Current?.Event.Kind.ToString() ?? "", measures.BatchSize);
        }

        if (UsageScope.Current is not { } scope)
        {
            return null;
        }

        var usage = scope.Event;
        var (used, utilization) = devices.Reading(model.Device);
        scope.SetResource(model.Descriptor.Name, model.Descriptor.Version);
        usage.Device = model.Device;
        usage.InputTokens = measures.InputTokens;
        usage.OutputTokens = measures.OutputTokens;
        usage.QueueMs = measures.QueueTime.TotalMilliseconds;
        usage.ComputeMs = measures.ComputeTime.TotalMilliseconds;
        usage.BatchSize = Math.Max(1, measures.BatchSize);
        usage.CachedTokens = measures.CachedTokens;
        if (measures.KvBlocks is { } blocks)
        {
            usage.Attributes["kv_blocks"] = blocks.ToString(CultureInfo.InvariantCulture);
            usage.Attributes["prefix_cache"] = measures.CachedTokens > 0 ? "hit" : "miss";
        }

        usage.Attributes["priority"] = WorkPriorities.Name(priority);
        usage.Attributes["price_class"] = model.Descriptor.BillingResource;
        usage.Attributes["device.utilization"] = utilization.ToString("0.###", CultureInfo.InvariantCulture);
        usage.Attributes["device.memory_used_bytes"] = used.ToString(CultureInfo.InvariantCulture);
        return usage;
    }
}
