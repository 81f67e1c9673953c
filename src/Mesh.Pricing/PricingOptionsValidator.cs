using System.Globalization;
using Microsoft.Extensions.Options;

namespace Mesh.Pricing;

/// <summary>Checks the configured price lists at start and reports every problem, not only the first.</summary>
public sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    private const string ListsKey = PricingOptions.SectionName + ":Lists";

    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (options.Lists.Count == 0)
        {
            problems.Add($"{ListsKey} names no price list: add one as {ListsKey}:<version> (for example \"{ListsKey}:2026-11-01:Resources:calculator:PerCall\"); its version is stored with every priced event");
        }

        foreach (var (version, list) in options.Lists)
        {
            var prefix = $"{ListsKey}:{version}";
            if (list is null)
            {
                problems.Add($"{prefix} has no prices");
                continue;
            }

            if (version.Length > 100 || version.Any(char.IsControl) || string.IsNullOrWhiteSpace(version))
            {
                problems.Add($"{prefix}: name the list with 1 to 100 printable characters");
            }

            if (list.EffectiveFrom is { } from && from.UtcTicks % TimeSpan.TicksPerSecond != 0)
            {
                problems.Add($"{prefix}:EffectiveFrom: use a whole second");
            }

            if (list.Resources.Count == 0)
            {
                problems.Add($"{prefix}:Resources: a list prices at least one resource");
            }

            foreach (var (resource, price) in list.Resources)
            {
                var at = $"{prefix}:Resources:{resource}";
                if (price is null)
                {
                    problems.Add($"{at} has no prices");
                    continue;
                }

                AddIfNegative(problems, at, nameof(price.InputPerMillionTokens), price.InputPerMillionTokens);
                AddIfNegative(problems, at, nameof(price.OutputPerMillionTokens), price.OutputPerMillionTokens);
                AddIfNegative(problems, at, nameof(price.CachedPerMillionTokens), price.CachedPerMillionTokens ?? 0);
                AddIfNegative(problems, at, nameof(price.PerCall), price.PerCall);
                AddIfNegative(problems, at, nameof(price.PerComputeSecond), price.PerComputeSecond);
            }
        }

        // An event is priced by the list in force when it occurred: two lists taking effect at the
        // same moment would leave that choice undefined.
        foreach (var clash in options.Lists.Where(l => l.Value is not null).GroupBy(l => l.Value.EffectiveFromUtc).Where(g => g.Count() > 1))
        {
            var versions = string.Join(", ", clash.Select(l => l.Key).Order(StringComparer.Ordinal));
            problems.Add($"{ListsKey}: lists {versions} all take effect at {clash.Key.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; give each its own EffectiveFrom (unset means the Unix epoch)");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void AddIfNegative(List<string> problems, string prefix, string field, decimal value)
    {
        if (value < 0)
        {
            problems.Add($"{prefix}:{field} is {value.ToString(CultureInfo.InvariantCulture)}; prices must not be negative");
        }
    }
}
