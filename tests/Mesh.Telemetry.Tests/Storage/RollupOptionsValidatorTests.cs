using Mesh.Telemetry.Storage.Rollups;

namespace Mesh.Telemetry.Tests.Storage;

public sealed class RollupOptionsValidatorTests
{
    [Fact]
    public void Validate_ZeroIntervalAndNegativeGrace_ReportsBoth()
    {
        var result = new RollupOptionsValidator().Validate(null, new RollupOptions { Interval = TimeSpan.Zero, Grace = TimeSpan.FromSeconds(-1) });

        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("Mesh:Telemetry:Rollups:Interval", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Mesh:Telemetry:Rollups:Grace", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(new RollupOptionsValidator().Validate(null, new RollupOptions()).Succeeded);
    }
}
