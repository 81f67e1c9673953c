using Mesh.Identity.V1;
using Mesh.Inference.Models;
using Mesh.Inference.V1;
using Mesh.Metering.Estimates;

namespace Mesh.Inference.Authorization;

/// <summary>What model calls reserve before they run, and which priority classes need a grant.</summary>
public static class ModelAccess
{
    /// <summary>Compute time reserved for a call to a model that has not run yet (no estimate).</summary>
    public const double MaxComputeMs = 10_000;

    /// <summary>The relation a caller needs to send interactive work: it is served ahead of the tenant's other work.</summary>
    public const string InteractiveGrant = "priority:interactive#user";

    /// <summary>Interactive priority must be granted; standard and batch are open to every member.</summary>
    public static IReadOnlyList<string> PriorityGrants(Priority priority) => priority == Priority.Interactive ? [InteractiveGrant] : [];

    /// <summary>
    /// The most a call can use: the tokens it was given and may produce (known before it runs) and
    /// its compute, estimated from the model's recent calls (<see cref="ComputeEstimator"/>) for
    /// <paramref name="units"/> of work: run alone (the most it can take), and in a batch of the
    /// calls now in flight (<paramref name="inFlight"/>, this one included). A burst splits into
    /// batches of the model's largest size or less, so the call is estimated at half of that: the
    /// batch it joins may be the smaller remainder. Before the model has run, <see cref="MaxComputeMs"/>.
    /// </summary>
    public static UsageBound Bound(
        ComputeEstimator estimates, IServedModel model, double units, long inputTokens, long outputTokens, int inFlight)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(model);
        var descriptor = model.Descriptor;
        var alone = Estimate(estimates, model, units, 1);
        var batch = ExpectedBatch(model, inFlight);
        return new UsageBound
        {
            Resource = descriptor.BillingResource,
            ResourceVersion = descriptor.Version,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            ComputeMs = alone,
            BatchSize = batch,
            BatchedComputeMs = batch > 1 ? Math.Min(alone, Estimate(estimates, model, units, batch)) : alone,
            Calls = 1,
        };
    }

    /// <summary>The batch a call arriving now is expected to join: half the calls in flight (queued ones included), within the model's largest batch.</summary>
    public static int ExpectedBatch(IServedModel model, int inFlight)
    {
        ArgumentNullException.ThrowIfNull(model);
        var largest = Math.Max(1, model.Descriptor.MaxBatch);
        return Math.Max(1, Math.Min(largest, Math.Max(inFlight, model.Queued + 1)) / 2);
    }

    private static double Estimate(ComputeEstimator estimates, IServedModel model, double units, int batch) =>
        Math.Min(MaxComputeMs, estimates.Estimate(model.Descriptor.Name, model.Descriptor.Version, model.Device, units, batch) ?? MaxComputeMs);

    /// <summary>The units of work a call's compute is estimated by: input tokens, decoding steps, or the call.</summary>
    public static double Units(string kind, long inputTokens, long outputTokens) => kind switch
    {
        ModelKinds.Embedding => inputTokens,
        ModelKinds.CausalLm => outputTokens + 1,
        _ => 1,
    };
}
