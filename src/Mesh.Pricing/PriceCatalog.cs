using Mesh.Usage.V1;
using Microsoft.Extensions.Options;

namespace Mesh.Pricing;

/// <summary>
/// Prices usage events with the configured price list. Costs are exact decimals rounded to
/// nine fractional digits (banker's rounding); resources without a price cost nothing.
/// </summary>
public sealed class PriceCatalog
{
    /// <summary>Fractional digits every cost is rounded to (the store keeps DECIMAL(18,9)).</summary>
    public const int CostScale = 9;

    private const decimal PerMillion = 1_000_000m;
    private const decimal MillisecondsPerSecond = 1_000m;

    /// <summary>An event attribute naming the price a resource is billed at when it is not its own name.</summary>
    public const string PriceClassAttribute = "price_class";

    private readonly Dictionary<string, ResourcePrice> _prices;

    public PriceCatalog(IOptions<PricingOptions> options)
        : this(options?.Value.Version ?? "", options?.Value.Resources ?? [])
    {
    }

    public PriceCatalog(string version, IReadOnlyDictionary<string, ResourcePrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        Version = version;
        _prices = new Dictionary<string, ResourcePrice>(prices, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every priced resource.</summary>
    public IReadOnlyDictionary<string, ResourcePrice> Resources => _prices;

    /// <summary>The price list version stored with every event priced by this catalog.</summary>
    public string Version { get; }

    /// <summary>The price of <paramref name="resource"/>, or null when it has none.</summary>
    public ResourcePrice? Find(string resource) => _prices.GetValueOrDefault(resource);

    /// <summary>The cost of one event in USD; throws <see cref="OverflowException"/> for absurd amounts.</summary>
    public decimal Cost(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        var resource = usageEvent.Attributes.TryGetValue(PriceClassAttribute, out var priceClass) && priceClass.Length > 0 ? priceClass : usageEvent.Resource;
        return Cost(resource, usageEvent.InputTokens, usageEvent.OutputTokens, usageEvent.CachedTokens, usageEvent.ComputeMs, calls: 1);
    }

    /// <summary>The cost in USD of this much use of <paramref name="resource"/>; throws <see cref="OverflowException"/> for absurd amounts.</summary>
    public decimal Cost(string resource, long inputTokens, long outputTokens, long cachedTokens, double computeMs, long calls)
    {
        var price = Find(resource);
        if (price is null)
        {
            return 0m;
        }

        var cost = inputTokens * price.InputPerMillionTokens / PerMillion
            + outputTokens * price.OutputPerMillionTokens / PerMillion
            + cachedTokens * price.CachedPerMillionTokens / PerMillion
            + (calls * price.PerCall)
            + ((decimal)computeMs / MillisecondsPerSecond * price.PerComputeSecond);
        return Math.Round(cost, CostScale, MidpointRounding.ToEven);
    }
}
