using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Tensors;

/// <summary>The outputs of a generic model call and how it ran.</summary>
public sealed record TensorResult(IReadOnlyList<NamedTensor> Outputs, int BatchSize, TimeSpan QueueTime, TimeSpan ComputeTime);

/// <summary>One Infer call waiting in a generic model's queue.</summary>
public sealed class TensorCall(IReadOnlyList<NamedTensor> inputs, string tenant, WorkPriority priority, long enqueuedAt) : IScheduledWork
{
    private readonly TaskCompletionSource<TensorResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _abandoned;

    public IReadOnlyList<NamedTensor> Inputs { get; } = [.. inputs.OrderBy(t => t.Name, StringComparer.Ordinal)];

    public string Tenant { get; } = tenant;

    public WorkPriority Priority { get; } = priority;

    /// <summary>Rows along the batch dimension.</summary>
    public double Cost => Math.Max(1, Inputs.Count > 0 && Inputs[0].Shape.Length > 0 ? Inputs[0].Shape[0] : 1);

    public bool IsAbandoned => _abandoned;

    public long EnqueuedAt { get; } = enqueuedAt;

    /// <summary>Calls with equal keys can be stacked into one run.</summary>
    public string BatchKey => string.Join('|', Inputs.Select(t => t.BatchKey));

    public Task<TensorResult> Task => _completion.Task;

    public void Abandon(CancellationToken cancellationToken)
    {
        _abandoned = true;
        _completion.TrySetCanceled(cancellationToken);
    }

    public void Complete(TensorResult result) => _completion.TrySetResult(result);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
