using Mesh.Pricing;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PriceCatalogTests
{
    private static PriceCatalog Catalog(string resource, ResourcePrice price) =>
        new("2026-11-01", new Dictionary<string, ResourcePrice> { [resource] = price });

    [Fact]
    public void Cost_137InputTokensAt2CentsPerMillion_IsExact()
    {
        var catalog = Catalog("all-MiniLM-L6-v2", new ResourcePrice { InputPerMillionTokens = 0.02m });

        var cost = catalog.Cost(new UsageEvent { Resource = "all-MiniLM-L6-v2", InputTokens = 137 });

        Assert.Equal(0.00000274m, cost);
    }

    [Fact]
    public void Cost_EveryPart_AddsUp()
    {
        var catalog = Catalog("m", new ResourcePrice
        {
            InputPerMillionTokens = 1m,
            OutputPerMillionTokens = 2m,
            CachedPerMillionTokens = 0.5m,
            PerCall = 0.001m,
            PerComputeSecond = 0.01m,
        });

        var cost = catalog.Cost(new UsageEvent { Resource = "m", InputTokens = 3000, OutputTokens = 500, CachedTokens = 2000, ComputeMs = 250 });

        // 1000 uncached input 0.001 + 2000 cached 0.001 + output 0.001 + call 0.001 + compute 0.0025
        Assert.Equal(0.0065m, cost);
    }

    [Theory]
    [InlineData(1, "0.000000000")]   // 0.0000000005 rounds half to even: down
    [InlineData(3, "0.000000002")]   // 0.0000000015 rounds half to even: up
    [InlineData(5, "0.000000002")]   // 0.0000000025 rounds half to even: down
    [InlineData(7, "0.000000004")]   // 0.0000000035 rounds half to even: up
    public void Cost_HalfWayAtTenthDigit_RoundsToNineDigitsHalfToEven(long tokens, string expected)
    {
        var catalog = Catalog("tiny", new ResourcePrice { InputPerMillionTokens = 0.0005m });

        var cost = catalog.Cost(new UsageEvent { Resource = "tiny", InputTokens = tokens });

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), cost);
        Assert.True(cost.Scale <= PriceCatalog.CostScale);
    }

    [Fact]
    public void Cost_UnknownResource_IsZero()
    {
        var catalog = Catalog("calculator", new ResourcePrice { PerCall = 0.0001m });

        var cost = catalog.Cost(new UsageEvent { Resource = "unpriced-tool", InputTokens = 1_000_000 });

        Assert.Equal(0m, cost);
        Assert.Equal("2026-11-01", catalog.Version);
    }

    [Fact]
    public void Cost_ResourceNameInOtherCase_UsesThePrice()
    {
        var catalog = Catalog("calculator", new ResourcePrice { PerCall = 0.0001m });

        Assert.Equal(0.0001m, catalog.Cost(new UsageEvent { Resource = "Calculator" }));
    }
}
