using Mesh.Usage.V1;

namespace Mesh.Pricing;

/// <summary>
/// One price list: prices usage events. Costs are exact decimals rounded to nine fractional
/// digits (banker's rounding); resources without a price cost nothing. Cached input tokens are
/// a part of the input and reasoning tokens a part of the output: each token is billed once.
/// </summary>
public sealed class PriceCatalog
{
    /// <summary>Fractional digits every cost is rounded to (the store keeps DECIMAL(18,9)).</summary>
    public const int CostScale = 9;

    /// <summary>An event attribute naming the price a resource is billed at when it is not its own name.</summary>
    public const string PriceClassAttribute = "price_class";

    private const decimal PerMillion = 1_000_000m;
    private const decimal MillisecondsPerSecond = 1_000m;

    // Per resource, the lines in the order they are tried: specific version first, then specific
    // device class, then the highest tier.
    private readonly Dictionary<string, PriceEntry[]> _byResource;

    public PriceCatalog(string version, IReadOnlyDictionary<string, ResourcePrice> prices)
        : this(version, FromOptions(prices))
    {
    }

    public PriceCatalog(string version, IEnumerable<PriceEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Version = version;
        Entries = [.. entries];
        _byResource = Entries
            .GroupBy(e => e.Resource, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(
                g => g.Key,
                g => g.OrderByDescending(e => e.ResourceVersion.Length > 0)
                    .ThenByDescending(e => e.DeviceClass.Length > 0)
                    .ThenByDescending(e => e.MinInputTokens)
                    .ToArray(),
                StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The price list version stored with every event priced by this catalog.</summary>
    public string Version { get; }

    /// <summary>Every line of the list.</summary>
    public IReadOnlyList<PriceEntry> Entries { get; }

    /// <summary>The base price of every priced resource (any version, any device, the base tier), by resource.</summary>
    public IReadOnlyDictionary<string, PriceEntry> Resources =>
        _byResource.ToDictionary(p => p.Key, p => p.Value[^1], StringComparer.OrdinalIgnoreCase);

    /// <summary>The key an event is priced under: its price class attribute, else its resource.</summary>
    public static string PricedResource(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        return usageEvent.Attributes.TryGetValue(PriceClassAttribute, out var priceClass) && priceClass.Length > 0 ? priceClass : usageEvent.Resource;
    }

    /// <summary>
    /// The line that prices a call: the most specific for its version and device class (a line for
    /// exactly that version beats one for every version, then likewise for the device), then the
    /// highest tier the call reaches. Null when the resource has no price.
    /// </summary>
    public PriceEntry? Find(string resource, string resourceVersion = "", string deviceClass = "", long inputTokens = 0)
    {
        if (!_byResource.TryGetValue(resource ?? "", out var lines))
        {
            return null;
        }

        foreach (var line in lines)
        {
            if ((line.ResourceVersion.Length == 0 || string.Equals(line.ResourceVersion, resourceVersion, StringComparison.Ordinal))
                && (line.DeviceClass.Length == 0 || string.Equals(line.DeviceClass, deviceClass, StringComparison.OrdinalIgnoreCase))
                && line.MinInputTokens <= inputTokens)
            {
                return line;
            }
        }

        return null;
    }

    /// <summary>The base price of <paramref name="resource"/> (any version and device, base tier), or null.</summary>
    public PriceEntry? Find(string resource) => Find(resource, "", "", 0);

    /// <summary>The cost of one event in USD; throws <see cref="OverflowException"/> for absurd amounts.</summary>
    public decimal Cost(UsageEvent usageEvent)
    {
        ArgumentNullException.ThrowIfNull(usageEvent);
        return Cost(
            PricedResource(usageEvent), usageEvent.ResourceVersion, usageEvent.Device,
            usageEvent.InputTokens, usageEvent.OutputTokens, usageEvent.CachedTokens, usageEvent.ComputeMs);
    }

    /// <summary>
    /// The cost in USD of one call priced under <paramref name="pricedResource"/> (see
    /// <see cref="PricedResource"/>); throws <see cref="OverflowException"/> for absurd amounts.
    /// </summary>
    public decimal Cost(string pricedResource, string resourceVersion, string device, long inputTokens, long outputTokens, long cachedTokens, double computeMs)
    {
        var line = Find(pricedResource, resourceVersion, PriceEntry.DeviceClassOf(device), inputTokens);
        return line is null ? 0m : Round(Cost(line, inputTokens, outputTokens, cachedTokens, (decimal)computeMs, 1));
    }

    /// <summary>The cost in USD of this much use of <paramref name="resource"/> (base line); throws <see cref="OverflowException"/> for absurd amounts.</summary>
    public decimal Cost(string resource, long inputTokens, long outputTokens, long cachedTokens, double computeMs, long calls)
    {
        var line = Find(resource, "", "", inputTokens);
        return line is null ? 0m : Round(Cost(line, inputTokens, outputTokens, cachedTokens, (decimal)computeMs, calls));
    }

    /// <summary>
    /// The exact, unrounded cost of some use at one line: uncached input at the input price,
    /// cached input at the cached price, output (reasoning included) at the output price, calls
    /// and compute seconds on top.
    /// </summary>
    public static decimal Cost(PriceEntry line, long inputTokens, long outputTokens, long cachedTokens, decimal computeMs, long calls)
    {
        ArgumentNullException.ThrowIfNull(line);
        var cached = Math.Min(Math.Max(cachedTokens, 0), inputTokens);
        return ((inputTokens - cached) * line.InputPerMillionTokens / PerMillion)
            + (cached * line.CachedPrice / PerMillion)
            + (outputTokens * line.OutputPerMillionTokens / PerMillion)
            + (calls * line.PerCall)
            + (computeMs / MillisecondsPerSecond * line.PerComputeSecond);
    }

    /// <summary>A cost rounded as stored: nine fractional digits, half to even.</summary>
    public static decimal Round(decimal cost) => Math.Round(cost, CostScale, MidpointRounding.ToEven);

    private static IEnumerable<PriceEntry> FromOptions(IReadOnlyDictionary<string, ResourcePrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return prices.Where(p => p.Value is not null).Select(p => new PriceEntry
        {
            Resource = p.Key,
            InputPerMillionTokens = p.Value.InputPerMillionTokens,
            OutputPerMillionTokens = p.Value.OutputPerMillionTokens,
            CachedPerMillionTokens = p.Value.CachedPerMillionTokens,
            PerCall = p.Value.PerCall,
            PerComputeSecond = p.Value.PerComputeSecond,
        });
    }
}
