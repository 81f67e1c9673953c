using Mesh.Identity.V1;
using Mesh.Inference.Models;
using Mesh.Inference.V1;

namespace Mesh.Inference.Authorization;

/// <summary>What model calls reserve before they run, and which priority classes need a grant.</summary>
public static class ModelAccess
{
    /// <summary>Compute time reserved per call until the model's measured latency says better.</summary>
    public const double MaxComputeMs = 10_000;

    /// <summary>Prompt tokens reserved per character of prompt (a token is at least one character).</summary>
    public const int TokensPerPromptChar = 1;

    /// <summary>The relation a caller needs to send interactive work: it is served ahead of the tenant's other work.</summary>
    public const string InteractiveGrant = "priority:interactive#user";

    /// <summary>Interactive priority must be granted; standard and batch are open to every member.</summary>
    public static IReadOnlyList<string> PriorityGrants(Priority priority) => priority == Priority.Interactive ? [InteractiveGrant] : [];

    public static UsageBound Bound(ModelDescriptor model, long inputTokens, long outputTokens) => new()
    {
        Resource = model.BillingResource,
        ResourceVersion = model.Version,
        InputTokens = inputTokens,
        OutputTokens = outputTokens,
        ComputeMs = MaxComputeMs,
        Calls = 1,
    };
}
