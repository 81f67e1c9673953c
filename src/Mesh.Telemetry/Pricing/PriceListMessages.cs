using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Mesh.Pricing;

namespace Mesh.Telemetry.Pricing;

/// <summary>Price lists between their contract form and the pricing library's.</summary>
public static class PriceListMessages
{
    public static V1.PriceList ToMessage(DatedPriceList list, PriceBook book)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(book);
        var message = new V1.PriceList
        {
            Version = list.Version,
            EffectiveFrom = Timestamp.FromDateTime(DateTime.SpecifyKind(list.EffectiveFrom, DateTimeKind.Utc)),
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(list.CreatedAt, DateTimeKind.Utc)),
            CreatedBy = list.CreatedBy,
            Description = list.Description,
        };
        if (book.EffectiveUntil(list) is { } until)
        {
            message.EffectiveUntil = Timestamp.FromDateTime(DateTime.SpecifyKind(until, DateTimeKind.Utc));
        }

        foreach (var entry in list.Catalog.Entries
            .OrderBy(e => e.Resource, StringComparer.Ordinal).ThenBy(e => e.ResourceVersion, StringComparer.Ordinal)
            .ThenBy(e => e.DeviceClass, StringComparer.Ordinal).ThenBy(e => e.MinInputTokens))
        {
            message.Prices.Add(new V1.ResourcePrice
            {
                Resource = entry.Resource,
                ResourceVersion = entry.ResourceVersion,
                DeviceClass = entry.DeviceClass,
                MinInputTokens = entry.MinInputTokens,
                InputPerMillionTokens = Text(entry.InputPerMillionTokens),
                OutputPerMillionTokens = Text(entry.OutputPerMillionTokens),
                // Always filled in (the input price when the list left it empty): readers need no rule.
                CachedPerMillionTokens = Text(entry.CachedPrice),
                PerCall = Text(entry.PerCall),
                PerComputeSecond = Text(entry.PerComputeSecond),
            });
        }

        return message;
    }

    /// <summary>A list as given by a caller; <paramref name="problems"/> collects what cannot be read.</summary>
    public static DatedPriceList FromMessage(V1.PriceList message, List<string> problems, DateTime createdAt, string createdBy)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(problems);
        var effectiveFrom = DateTime.UnixEpoch;
        if (message.EffectiveFrom is null)
        {
            problems.Add("effective_from: set when the list takes effect (UTC, whole seconds)");
        }
        else
        {
            try
            {
                effectiveFrom = message.EffectiveFrom.ToDateTime();
            }
            catch (InvalidOperationException)
            {
                problems.Add("effective_from: not a valid timestamp");
            }
        }

        var entries = message.Prices.Select((p, i) => new PriceEntry
        {
            Resource = p.Resource.Trim(),
            ResourceVersion = p.ResourceVersion.Trim(),
            DeviceClass = p.DeviceClass.Trim().ToLowerInvariant(),
            MinInputTokens = p.MinInputTokens,
            InputPerMillionTokens = Price(p.InputPerMillionTokens, $"prices[{i}].input_per_million_tokens", problems) ?? 0,
            OutputPerMillionTokens = Price(p.OutputPerMillionTokens, $"prices[{i}].output_per_million_tokens", problems) ?? 0,
            CachedPerMillionTokens = Price(p.CachedPerMillionTokens, $"prices[{i}].cached_per_million_tokens", problems),
            PerCall = Price(p.PerCall, $"prices[{i}].per_call", problems) ?? 0,
            PerComputeSecond = Price(p.PerComputeSecond, $"prices[{i}].per_compute_second", problems) ?? 0,
        }).ToList();
        return new DatedPriceList
        {
            Catalog = new PriceCatalog(message.Version.Trim(), entries),
            EffectiveFrom = effectiveFrom,
            CreatedAt = createdAt,
            CreatedBy = createdBy,
            Description = message.Description.Trim(),
        };
    }

    private static decimal? Price(string text, string field, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (decimal.TryParse(text.Trim(), NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add($"{field}: '{text}' is not a decimal number of US dollars");
        return null;
    }

    private static string Text(decimal value) => (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
