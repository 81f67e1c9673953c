namespace Mesh.Pricing;

/// <summary>A stored price list: its prices and the moment it took effect. Lists are never edited.</summary>
public sealed record DatedPriceList
{
    public required PriceCatalog Catalog { get; init; }

    /// <summary>UTC, whole seconds.</summary>
    public required DateTime EffectiveFrom { get; init; }

    /// <summary>UTC.</summary>
    public DateTime CreatedAt { get; init; }

    public string CreatedBy { get; init; } = "";

    public string Description { get; init; } = "";

    public string Version => Catalog.Version;
}
