using Mesh.Pricing;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PricingOptionsValidatorTests
{
    [Fact]
    public void Validate_NegativePricesSharedEffectiveMomentAndEmptyList_ReportsEveryProblem()
    {
        var options = new PricingOptions();
        var first = new PriceListOptions();
        first.Resources["a"] = new ResourcePrice { PerCall = -1m };
        first.Resources["b"] = new ResourcePrice { InputPerMillionTokens = -0.02m, PerComputeSecond = -3m };
        options.Lists["v1"] = first;
        options.Lists["v2"] = new PriceListOptions();

        var result = new PricingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Lists:v1:Resources:a:PerCall", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Lists:v1:Resources:b:InputPerMillionTokens", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Lists:v1:Resources:b:PerComputeSecond", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Lists:v2:Resources", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("lists v1, v2 all take effect at 1970-01-01T00:00:00Z", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoList_NamesWhereToAddOne()
    {
        var result = new PricingOptionsValidator().Validate(null, new PricingOptions());

        Assert.Contains(result.Failures!, f => f.Contains("Mesh:Pricing:Lists:<version>", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ListsWithTheirOwnMomentsAndNoNegativePrice_Succeeds()
    {
        var options = new PricingOptions();
        var first = new PriceListOptions();
        first.Resources["a"] = new ResourcePrice { PerCall = 0m, InputPerMillionTokens = 0.02m };
        var second = new PriceListOptions { EffectiveFrom = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero) };
        second.Resources["a"] = new ResourcePrice { PerCall = 0.001m };
        options.Lists["v1"] = first;
        options.Lists["v2"] = second;

        Assert.True(new PricingOptionsValidator().Validate(null, options).Succeeded);
    }
}
