namespace Mesh.Inference.Placement;

/// <summary>
/// When a model gets another replica or gives one back: below its minimum it grows; with room to
/// grow it adds one while its recent queue depth per replica exceeds the threshold and calls are
/// waiting; above its minimum it retires one after its queue stayed empty long enough.
/// </summary>
public static class ReplicaScaling
{
    /// <summary>+1 to add a replica, -1 to retire one, 0 to keep them.</summary>
    public static int Decide(int minReplicas, int maxReplicas, int active, double recentDepth, int waitingNow, TimeSpan idleFor, PlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (active < minReplicas)
        {
            return 1;
        }

        if (active < maxReplicas && waitingNow > 0 && recentDepth / Math.Max(1, active) > options.ScaleUpQueueDepth)
        {
            return 1;
        }

        return active > minReplicas && waitingNow == 0 && idleFor >= options.ScaleDownAfter ? -1 : 0;
    }
}
