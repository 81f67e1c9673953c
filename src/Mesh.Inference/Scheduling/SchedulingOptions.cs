namespace Mesh.Inference.Scheduling;

/// <summary>How tenants share the models (<c>Mesh:Inference:Scheduling</c>).</summary>
public sealed class SchedulingOptions
{
    public const string SectionName = "Mesh:Inference:Scheduling";

    /// <summary>Most calls one tenant may have waiting for one model; more fail with ResourceExhausted.</summary>
    public int MaxQueuedPerTenant { get; set; } = 256;

    /// <summary>Fair-share weight of a tenant not listed in <see cref="TenantWeights"/>.</summary>
    public double DefaultWeight { get; set; } = 1;

    /// <summary>Fair-share weights by tenant: a tenant of weight 2 gets twice the share of one of weight 1.</summary>
    public Dictionary<string, double> TenantWeights { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How fast a tenant's use of a device is forgotten: device time counts half after this long.
    /// Shorter follows bursts closely; longer evens shares out over longer spans.
    /// </summary>
    public TimeSpan UsageHalfLife { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Work waiting this long moves up one priority class (and again after each further interval),
    /// so batch and standard work is never starved by a stream of higher-class work. Zero: never.
    /// </summary>
    public TimeSpan PriorityAging { get; set; } = TimeSpan.FromSeconds(5);

    public double WeightOf(string tenant) => TenantWeights.TryGetValue(tenant, out var weight) ? weight : DefaultWeight;

    public IEnumerable<string> Problems()
    {
        if (MaxQueuedPerTenant < 1)
        {
            yield return $"{SectionName}:MaxQueuedPerTenant must be at least 1";
        }

        if (DefaultWeight <= 0)
        {
            yield return $"{SectionName}:DefaultWeight must be positive";
        }

        if (UsageHalfLife <= TimeSpan.Zero)
        {
            yield return $"{SectionName}:UsageHalfLife must be positive (was {UsageHalfLife})";
        }

        if (PriorityAging < TimeSpan.Zero)
        {
            yield return $"{SectionName}:PriorityAging must be zero (never) or positive (was {PriorityAging})";
        }

        foreach (var (tenant, weight) in TenantWeights.Where(w => w.Value <= 0))
        {
            yield return $"{SectionName}:TenantWeights:{tenant} must be positive (was {weight})";
        }
    }
}
