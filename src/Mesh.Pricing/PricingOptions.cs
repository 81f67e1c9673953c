namespace Mesh.Pricing;

/// <summary>The price list usage is billed with when no other list was added (<c>Mesh:Pricing</c>).</summary>
public sealed class PricingOptions
{
    public const string SectionName = "Mesh:Pricing";

    /// <summary>Names this price list; stored with every priced event so past spend can be recomputed.</summary>
    public string Version { get; set; } = "";

    /// <summary>When the list takes effect; unset: it has always been in force (the Unix epoch).</summary>
    public DateTimeOffset? EffectiveFrom { get; set; }

    public string Description { get; set; } = "";

    /// <summary>Prices per model or tool id (<c>Mesh:Pricing:Resources:&lt;resource&gt;</c>).</summary>
    public Dictionary<string, ResourcePrice> Resources { get; } = new(StringComparer.OrdinalIgnoreCase);
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
