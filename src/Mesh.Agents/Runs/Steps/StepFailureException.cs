using Grpc.Core;
using Mesh.Agents.Workflows.Expressions;

namespace Mesh.Agents.Runs.Steps;

/// <summary>
/// A step attempt that failed: the status code it failed with, whether another attempt may
/// succeed, and whether its effect may have happened anyway (a write retried under the same
/// idempotency key, so the tools service answers it from its ledger instead of writing twice).
/// </summary>
public sealed class StepFailureException(StatusCode code, string message, bool retriable, bool keepKey = false) : Exception(message)
{
    public StatusCode Code => code;

    public bool Retriable => retriable;

    public bool KeepKey => keepKey;

    /// <summary>A failed call of another service, classified.</summary>
    public static StepFailureException From(RpcException error, bool sideEffect)
    {
        ArgumentNullException.ThrowIfNull(error);
        var ambiguous = error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted;
        var queueFull = error.StatusCode == StatusCode.ResourceExhausted && error.Trailers.Get("retry-after-ms") is not null;
        return new StepFailureException(error.StatusCode, error.Status.Detail, ambiguous || queueFull, keepKey: sideEffect && ambiguous);
    }

    public static StepFailureException Invalid(string message) => new(StatusCode.InvalidArgument, message, retriable: false);

    public static StepFailureException Expression(string where, ExpressionException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(StatusCode.InvalidArgument, $"{where}: {error.Message}", retriable: false);
    }
}
