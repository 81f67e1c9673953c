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

    private readonly Dictionary<string, ResourcePrice> _prices;

    public PriceCatalog(IOptions<PricingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Version = options.Value.Version;
        _prices = new Dictionary<string, ResourcePrice>(options.Value.Resources, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The price list version stored with every event priced by this catalog.</summary>
    public string Version { get; }

    /// <summary>The price of <paramref name="resource"/>, or null when it has none.</summary>
    public ResourcePrice? Find(string resource) => _prices.GetValueOrDefault(resource);

    /// <summary>The cost of one event in USD; throws <see cref="OverflowException"/> for absurd amounts.</summary>
    public decimal Cost(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        var price = Find(usageEvent.Resource);
        if (price is null)
        {
            return 0m;
        }

        var cost = usageEvent.InputTokens * price.InputPerMillionTokens / PerMillion
            + usageEvent.OutputTokens * price.OutputPerMillionTokens / PerMillion
            + usageEvent.CachedTokens * price.CachedPerMillionTokens / PerMillion
            + price.PerCall
            + (decimal)usageEvent.ComputeMs / MillisecondsPerSecond * price.PerComputeSecond;
        return Math.Round(cost, CostScale, MidpointRounding.ToEven);
    }
}
