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
    /// <paramref name="units"/> of work, or <see cref="MaxComputeMs"/> before it has run.
    /// </summary>
    public static UsageBound Bound(
        ComputeEstimator estimates, IServedModel model, double units, long inputTokens, long outputTokens)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        ArgumentNullException.ThrowIfNull(model);
        var descriptor = model.Descriptor;
        return new UsageBound
        {
            Resource = descriptor.BillingResource,
            ResourceVersion = descriptor.Version,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            ComputeMs = Math.Min(MaxComputeMs, estimates.Estimate(descriptor.Name, descriptor.Version, model.Device, units, ExpectedBatch(model)) ?? MaxComputeMs),
            Calls = 1,
        };
    }

    /// <summary>The batch a call arriving now joins: what is queued ahead of it, up to the model's largest batch.</summary>
    public static int ExpectedBatch(IServedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Math.Clamp(model.Queued + 1, 1, Math.Max(1, model.Descriptor.MaxBatch));
    }

    /// <summary>The units of work a call's compute is estimated by: input tokens, decoding steps, or the call.</summary>
    public static double Units(string kind, long inputTokens, long outputTokens) => kind switch
    {
        ModelKinds.Embedding => inputTokens,
        ModelKinds.CausalLm => outputTokens + 1,
        _ => 1,
    };
}
