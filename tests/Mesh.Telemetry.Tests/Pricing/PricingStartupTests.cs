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
            .WithSetting("Mesh:Pricing:Version", "")
            .WithSetting("Mesh:Pricing:Resources:calculator:PerCall", "-0.5");

        var error = Assert.Throws<OptionsValidationException>(() => factory.Server);

        Assert.Contains(error.Failures, f => f.Contains("Mesh:Pricing:Version", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Mesh:Pricing:Resources:calculator:PerCall", StringComparison.Ordinal));
    }
}
