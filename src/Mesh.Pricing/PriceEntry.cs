namespace Mesh.Pricing;

/// <summary>
/// One line of a price list: what a model or tool costs, in USD, optionally only for one of its
/// versions, one device class, or calls from a number of input tokens up (a tier).
/// </summary>
public sealed record PriceEntry
{
    public required string Resource { get; init; }

    /// <summary>Empty: every version.</summary>
    public string ResourceVersion { get; init; } = "";

    /// <summary>Empty: every device; else a device without its index (<c>cpu</c>, <c>cuda</c>).</summary>
    public string DeviceClass { get; init; } = "";

    /// <summary>The tier: calls with at least this many input tokens; 0 is the base tier.</summary>
    public long MinInputTokens { get; init; }

    public decimal InputPerMillionTokens { get; init; }

    public decimal OutputPerMillionTokens { get; init; }

    /// <summary>Per million cached input tokens (a part of the input); null: the input price.</summary>
    public decimal? CachedPerMillionTokens { get; init; }

    public decimal PerCall { get; init; }

    public decimal PerComputeSecond { get; init; }

    /// <summary>The cached-input price in force: its own, or the input price.</summary>
    public decimal CachedPrice => CachedPerMillionTokens ?? InputPerMillionTokens;

    /// <summary>Whether this line covers the same resource, version, device class and tier as <paramref name="other"/>.</summary>
    public bool SameSlot(PriceEntry other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Resource, other.Resource, StringComparison.OrdinalIgnoreCase)
            && string.Equals(ResourceVersion, other.ResourceVersion, StringComparison.Ordinal)
            && string.Equals(DeviceClass, other.DeviceClass, StringComparison.OrdinalIgnoreCase)
            && MinInputTokens == other.MinInputTokens;
    }

    /// <summary>The class of a device as prices name it: <c>cuda:1</c> is <c>cuda</c>.</summary>
    public static string DeviceClassOf(string? device)
    {
        if (string.IsNullOrEmpty(device))
        {
            return "";
        }

        var colon = device.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? device : device[..colon]).ToLowerInvariant();
    }
}
