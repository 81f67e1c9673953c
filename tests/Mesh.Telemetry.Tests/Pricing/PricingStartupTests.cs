using Mesh.Telemetry.Ingest;
using Mesh.Telemetry.Tests.Support;
using Mesh.Testing;
using Microsoft.Extensions.Options;

namespace Mesh.Telemetry.Tests.Pricing;

public sealed class PricingStartupTests
{
    [Fact]
    public void Start_InvalidPriceList_FailsNamingEveryProblem()
    {
        using var database = new TempDatabase();
        using var factory = new MeshServiceFactory<UsageIngestService>()
            .WithSetting("Mesh:Telemetry:DuckDbPath", database.Path)
            .WithSetting("Mesh:Pricing:Lists:2026-11-01:Resources:calculator:PerCall", "-0.5")
            .WithSetting("Mesh:Pricing:Lists:2026-12-06:EffectiveFrom", "1970-01-01T00:00:00Z");

        var error = Assert.Throws<OptionsValidationException>(() => factory.Server);

        Assert.Contains(error.Failures, f => f.Contains("Mesh:Pricing:Lists:2026-11-01:Resources:calculator:PerCall", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("lists 2026-11-01, 2026-12-06 all take effect", StringComparison.Ordinal));
    }

    [Fact]
    public void Start_SingleListKeysOfEarlierReleases_FailsNamingTheKey()
    {
        using var database = new TempDatabase();
        using var factory = new MeshServiceFactory<UsageIngestService>()
            .WithSetting("Mesh:Telemetry:DuckDbPath", database.Path)
            .WithSetting("Mesh:Pricing:Resources:calculator:PerCall", "0.5");

        var error = Assert.Throws<InvalidOperationException>(() => factory.Server);

        Assert.Contains("'Resources'", error.Message, StringComparison.Ordinal);
    }
}
