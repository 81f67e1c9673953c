using Mesh.Pricing;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PricingOptionsValidatorTests
{
    [Fact]
    public void Validate_NegativePricesAndNoVersion_ReportsEveryProblem()
    {
        var options = new PricingOptions();
        options.Resources["a"] = new ResourcePrice { PerCall = -1m };
        options.Resources["b"] = new ResourcePrice { InputPerMillionTokens = -0.02m, PerComputeSecond = -3m };

        var result = new PricingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(4, failures.Count);
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Version", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Resources:a:PerCall", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Resources:b:InputPerMillionTokens", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Mesh:Pricing:Resources:b:PerComputeSecond", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ZeroAndPositivePrices_Succeeds()
    {
        var options = new PricingOptions { Version = "v1" };
        options.Resources["a"] = new ResourcePrice { PerCall = 0m, InputPerMillionTokens = 0.02m };

        Assert.True(new PricingOptionsValidator().Validate(null, options).Succeeded);
    }
}
