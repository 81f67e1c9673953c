namespace Mesh.Inference.Placement;

/// <summary>Where models go and how many replicas they run (<c>Mesh:Inference:Placement</c>).</summary>
public sealed class PlacementOptions
{
    public const string SectionName = "Mesh:Inference:Placement";

    /// <summary>Whether a model that fits in no device's free memory, though in the free memory of all, makes room by moving others.</summary>
    public bool Consolidate { get; set; } = true;

    /// <summary>
    /// Expected load (calls waiting, per unit of device speed) above which a device counts as busy:
    /// a model goes to the tightest-fitting device that stays under it, else to the least loaded one.
    /// </summary>
    public double BusyLoad { get; set; } = 8;

    /// <summary>How long a replica being moved or retired may take to finish the calls it holds; those still running then fail with Unavailable.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scaler looks at queue depths.</summary>
    public TimeSpan ScaleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Calls waiting per replica (recent average) above which a model with room to grow gets another replica.</summary>
    public double ScaleUpQueueDepth { get; set; } = 16;

    /// <summary>How long a model's queue must stay empty before a replica above its minimum is retired.</summary>
    public TimeSpan ScaleDownAfter { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<string> Problems()
    {
        if (BusyLoad <= 0)
        {
            yield return $"{SectionName}:BusyLoad must be positive (was {BusyLoad})";
        }

        if (DrainTimeout <= TimeSpan.Zero || ScaleInterval <= TimeSpan.Zero || ScaleDownAfter <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:DrainTimeout, ScaleInterval and ScaleDownAfter must be positive";
        }

        if (ScaleUpQueueDepth <= 0)
        {
            yield return $"{SectionName}:ScaleUpQueueDepth must be positive (was {ScaleUpQueueDepth})";
        }
    }
}
