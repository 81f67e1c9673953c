namespace Mesh.Pricing;

/// <summary>The price list usage is billed with (<c>Mesh:Pricing</c>).</summary>
public sealed class PricingOptions
{
    public const string SectionName = "Mesh:Pricing";

    /// <summary>Names this price list; stored with every priced event so past spend can be recomputed.</summary>
    public string Version { get; set; } = "";

    /// <summary>Prices per model or tool id (<c>Mesh:Pricing:Resources:&lt;resource&gt;</c>).</summary>
    public Dictionary<string, ResourcePrice> Resources { get; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>What one model or tool costs, in USD. Every part is optional and adds up.</summary>
public sealed class ResourcePrice
{
    public decimal InputPerMillionTokens { get; set; }

    public decimal OutputPerMillionTokens { get; set; }

    public decimal CachedPerMillionTokens { get; set; }

    public decimal PerCall { get; set; }

    public decimal PerComputeSecond { get; set; }
}
