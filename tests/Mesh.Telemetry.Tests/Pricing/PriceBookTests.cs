using Mesh.Pricing;
using Mesh.Usage.V1;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PriceBookTests
{
    private static readonly DateTime March = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    private static DatedPriceList List(string version, DateTime from, params PriceEntry[] entries) =>
        new() { Catalog = new PriceCatalog(version, entries), EffectiveFrom = from };

    private static PriceEntry Line(string resource, decimal input = 1m, string version = "", string device = "", long tier = 0) =>
        new() { Resource = resource, InputPerMillionTokens = input, ResourceVersion = version, DeviceClass = device, MinInputTokens = tier };

    [Fact]
    public void InForce_BetweenTwoLists_IsTheEarlierOneUntilTheLaterStarts()
    {
        var book = new PriceBook([List("b", March, Line("m")), List("a", March.AddMonths(-1), Line("m"))]);

        Assert.Null(book.InForce(March.AddMonths(-2)));
        Assert.Equal("a", book.InForce(March.AddTicks(-1))!.Version);
        Assert.Equal("b", book.InForce(March)!.Version);
        Assert.Equal(March, book.EffectiveUntil(book.Find("a")!));
        Assert.Null(book.EffectiveUntil(book.Find("b")!));
    }

    [Fact]
    public void Find_VersionDeviceAndTierLines_PicksTheMostSpecificThenTheHighestTierReached()
    {
        var catalog = new PriceCatalog("v", [
            Line("m", 1m),
            Line("m", 2m, tier: 200_000),
            Line("m", 3m, version: "2"),
            Line("m", 4m, device: "cuda"),
        ]);

        Assert.Equal(1m, catalog.Find("m", "1", "cpu", 10)!.InputPerMillionTokens);
        Assert.Equal(2m, catalog.Find("m", "1", "cpu", 250_000)!.InputPerMillionTokens);
        Assert.Equal(3m, catalog.Find("m", "2", "cuda", 250_000)!.InputPerMillionTokens);
        Assert.Equal(4m, catalog.Find("M", "1", "CUDA", 10)!.InputPerMillionTokens);
        Assert.Equal("cuda", PriceEntry.DeviceClassOf("cuda:3"));
    }

    [Fact]
    public void Cost_CachedAndReasoningTokens_AreBilledAsTheSubsetsTheyAre()
    {
        var catalog = new PriceCatalog("v", [new PriceEntry { Resource = "m", InputPerMillionTokens = 10m, CachedPerMillionTokens = 1m, OutputPerMillionTokens = 100m }]);
        var plain = catalog.Cost(new UsageEvent { Resource = "m", InputTokens = 1_000_000, OutputTokens = 1_000_000 });
        var cached = catalog.Cost(new UsageEvent { Resource = "m", InputTokens = 1_000_000, CachedTokens = 400_000, OutputTokens = 1_000_000, ReasoningTokens = 600_000 });
        var unsetCachedPrice = new PriceCatalog("v", [new PriceEntry { Resource = "m", InputPerMillionTokens = 10m }])
            .Cost(new UsageEvent { Resource = "m", InputTokens = 1_000_000, CachedTokens = 400_000 });

        Assert.Equal(110m, plain);
        // 600k uncached at 10/M + 400k cached at 1/M + 1M output (reasoning included) at 100/M.
        Assert.Equal(106.4m, cached);
        Assert.Equal(10m, unsetCachedPrice);
    }

    [Fact]
    public void Problems_NegativeDuplicateAndOverlappingList_NamesEveryProblem()
    {
        var existing = new PriceBook([List("2026-03", March, Line("m"))]);
        var bad = List("2026-03", March,
            new PriceEntry { Resource = "m", InputPerMillionTokens = -1m, PerCall = 0.0000000001m },
            Line("m"),
            Line("m"));

        var problems = PriceListValidator.Problems(bad, existing);

        Assert.Contains(problems, p => p.StartsWith("version:", StringComparison.Ordinal) && p.Contains("already", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("effective_from:", StringComparison.Ordinal) && p.Contains("overlap", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("prices[0].input_per_million_tokens", StringComparison.Ordinal) && p.Contains("negative", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("prices[0].per_call", StringComparison.Ordinal) && p.Contains("fractional", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("prices[2]", StringComparison.Ordinal) && p.Contains("twice", StringComparison.Ordinal));
    }
}
