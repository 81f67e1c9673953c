using Microsoft.Extensions.Options;

namespace Mesh.Pricing;

/// <summary>Checks the price list at start and reports every problem, not only the first.</summary>
public sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Version))
        {
            problems.Add($"{PricingOptions.SectionName}:Version is required (for example \"2026-11-01\"): it is stored with every priced event");
        }

        foreach (var (resource, price) in options.Resources)
        {
            var prefix = $"{PricingOptions.SectionName}:Resources:{resource}";
            if (price is null)
            {
                problems.Add($"{prefix} has no prices");
                continue;
            }

            AddIfNegative(problems, prefix, nameof(price.InputPerMillionTokens), price.InputPerMillionTokens);
            AddIfNegative(problems, prefix, nameof(price.OutputPerMillionTokens), price.OutputPerMillionTokens);
            AddIfNegative(problems, prefix, nameof(price.CachedPerMillionTokens), price.CachedPerMillionTokens ?? 0);
            AddIfNegative(problems, prefix, nameof(price.PerCall), price.PerCall);
            AddIfNegative(problems, prefix, nameof(price.PerComputeSecond), price.PerComputeSecond);
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void AddIfNegative(List<string> problems, string prefix, string field, decimal value)
    {
        if (value < 0)
        {
            problems.Add($"{prefix}:{field} is {value}; prices must not be negative");
        }
    }
}
