namespace Mesh.Inference.Scheduling;

/// <summary>A unit of queued work: whose it is, how urgent, and what it costs the device.</summary>
public interface IScheduledWork
{
    string Tenant { get; }

    WorkPriority Priority { get; }

    /// <summary>The work's size in the tenant's fair share (tokens, rows).</summary>
    double Cost { get; }

    /// <summary>True once the caller left: the queue drops it without running it.</summary>
    bool IsAbandoned { get; }

    /// <summary>When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    long EnqueuedAt { get; }
}
