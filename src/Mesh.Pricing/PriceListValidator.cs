using System.Globalization;

namespace Mesh.Pricing;

/// <summary>Checks a new price list against itself and the lists already stored; reports every problem.</summary>
public static class PriceListValidator
{
    /// <summary>Most fractional digits a price may have (prices are stored as DECIMAL(18,9)).</summary>
    public const int MaxScale = 9;

    /// <summary>Largest price accepted, in USD.</summary>
    public const decimal MaxPrice = 1_000_000_000m;

    public static IReadOnlyList<string> Problems(DatedPriceList list, PriceBook existing)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(existing);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(list.Version) || list.Version.Length > 100 || list.Version.Any(char.IsControl))
        {
            problems.Add("version: give the list a name of 1 to 100 printable characters, for example \"2026-12-01\"");
        }
        else if (existing.Find(list.Version) is { } same)
        {
            problems.Add($"version: '{list.Version}' is already a price list (effective from {Text(same.EffectiveFrom)}); lists are never edited, so add a new version");
        }

        if (list.EffectiveFrom.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            problems.Add("effective_from: use a whole second");
        }

        if (existing.Lists.FirstOrDefault(l => l.EffectiveFrom == list.EffectiveFrom) is { } clash)
        {
            problems.Add($"effective_from: list '{clash.Version}' already takes effect at {Text(list.EffectiveFrom)}; the effective dates of two lists overlap there, so choose another moment");
        }

        if (list.Catalog.Entries.Count == 0)
        {
            problems.Add("prices: a list prices at least one resource");
        }

        var seen = new List<PriceEntry>();
        foreach (var (entry, i) in list.Catalog.Entries.Select((e, i) => (e, i)))
        {
            problems.AddRange(EntryProblems(entry, $"prices[{i}]"));
            if (seen.FirstOrDefault(entry.SameSlot) is not null)
            {
                problems.Add($"prices[{i}]: '{entry.Resource}' (version '{entry.ResourceVersion}', device '{entry.DeviceClass}', from {entry.MinInputTokens} input tokens) is priced twice; give each resource, version, device and tier one line");
            }

            seen.Add(entry);
        }

        return problems;
    }

    private static IEnumerable<string> EntryProblems(PriceEntry entry, string at)
    {
        if (string.IsNullOrWhiteSpace(entry.Resource))
        {
            yield return $"{at}.resource: name the model or tool";
        }

        if (entry.MinInputTokens < 0)
        {
            yield return $"{at}.min_input_tokens: must not be negative (got {entry.MinInputTokens})";
        }

        foreach (var (field, value) in new (string, decimal?)[]
        {
            ("input_per_million_tokens", entry.InputPerMillionTokens),
            ("output_per_million_tokens", entry.OutputPerMillionTokens),
            ("cached_per_million_tokens", entry.CachedPerMillionTokens),
            ("per_call", entry.PerCall),
            ("per_compute_second", entry.PerComputeSecond),
        })
        {
            if (value is not { } price)
            {
                continue;
            }

            if (price < 0)
            {
                yield return $"{at}.{field}: {price.ToString(CultureInfo.InvariantCulture)} is negative; prices must not be negative";
            }
            else if (price >= MaxPrice)
            {
                yield return $"{at}.{field}: {price.ToString(CultureInfo.InvariantCulture)} is too large (at most {MaxPrice} USD)";
            }
            else if (price.Scale > MaxScale && Math.Round(price, MaxScale) != price)
            {
                yield return $"{at}.{field}: {price.ToString(CultureInfo.InvariantCulture)} has more than {MaxScale} fractional digits";
            }
        }
    }

    private static string Text(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
