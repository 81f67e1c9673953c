using Mesh.Inference.Scheduling;

namespace Mesh.Inference.Hosted;

/// <summary>A hosted-model call waiting in its model's fair queue for a free upstream slot.</summary>
public sealed class HostedCallTicket(string tenant, WorkPriority priority, double cost, long enqueuedAt) : IScheduledWork
{
    private readonly TaskCompletionSource<IDisposable> _turn = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _abandoned;

    public string Tenant { get; } = tenant;

    public WorkPriority Priority { get; } = priority;

    public double Cost { get; } = cost;

    public bool IsAbandoned => _abandoned;

    public long EnqueuedAt { get; } = enqueuedAt;

    /// <summary>Completes with the slot once the call may go to the upstream.</summary>
    public Task<IDisposable> Turn => _turn.Task;

    public void Grant(IDisposable slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (!_turn.TrySetResult(slot) || _abandoned)
        {
            slot.Dispose();
        }
    }

    /// <summary>The caller left: a slot granted to it is given back.</summary>
    public void Abandon()
    {
        _abandoned = true;
        if (_turn.Task.IsCompletedSuccessfully)
        {
            _turn.Task.Result.Dispose();
        }
    }
}
