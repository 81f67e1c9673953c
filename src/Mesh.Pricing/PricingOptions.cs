namespace Mesh.Pricing;

/// <summary>
/// The price lists Mesh ships and an operator configures (<c>Mesh:Pricing:Lists:&lt;version&gt;</c>):
/// telemetry stores each one its usage database lacks at start. A stored list is never edited,
/// so a price change is a new version with its own effective moment, never an edit of a version.
/// </summary>
public sealed class PricingOptions
{
    public const string SectionName = "Mesh:Pricing";

    /// <summary>The lists by version; the version is stored with every event a list prices.</summary>
    public Dictionary<string, PriceListOptions> Lists { get; } = new(StringComparer.Ordinal);
}

/// <summary>One configured price list.</summary>
public sealed class PriceListOptions
{
    /// <summary>When the list takes effect (UTC, whole seconds); unset: it has always been in force (the Unix epoch).</summary>
    public DateTimeOffset? EffectiveFrom { get; set; }

    public string Description { get; set; } = "";

    /// <summary>Prices per model or tool id (<c>Resources:&lt;resource&gt;</c>).</summary>
    public Dictionary<string, ResourcePrice> Resources { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The moment the list takes effect: <see cref="EffectiveFrom"/> in UTC, or the Unix epoch.</summary>
    public DateTime EffectiveFromUtc => (EffectiveFrom ?? DateTimeOffset.UnixEpoch).UtcDateTime;

    /// <summary>The list as the pricing library holds it, named <paramref name="version"/>.</summary>
    public DatedPriceList ToList(string version, DateTime createdAt, string createdBy) => new()
    {
        Catalog = new PriceCatalog(version, Resources),
        EffectiveFrom = EffectiveFromUtc,
        CreatedAt = createdAt,
        CreatedBy = createdBy,
        Description = Description,
    };
}

/// <summary>What one model or tool costs, in USD. Every part is optional and adds up.</summary>
public sealed class ResourcePrice
{
    public decimal InputPerMillionTokens { get; set; }

    public decimal OutputPerMillionTokens { get; set; }

    /// <summary>Per million cached input tokens; unset: the input price.</summary>
    public decimal? CachedPerMillionTokens { get; set; }

    public decimal PerCall { get; set; }

    public decimal PerComputeSecond { get; set; }
}
