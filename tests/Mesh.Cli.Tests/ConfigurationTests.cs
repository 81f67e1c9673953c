using Mesh.Cli.Configuration;

namespace Mesh.Cli.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1_800)]
    [InlineData("1h", 3_600)]
    [InlineData("1.5h", 5_400)]
    [InlineData("7d", 604_800)]
    [InlineData("2W", 1_209_600)]
    public void DurationParser_TryParse_NumberAndUnit_ReturnsDuration(string text, double seconds)
    {
        Assert.True(DurationParser.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("10")]
    [InlineData("-1h")]
    [InlineData("0m")]
    [InlineData("3x")]
    [InlineData("1e9w")]
    public void DurationParser_TryParse_NotADuration_ReturnsFalse(string text) =>
        Assert.False(DurationParser.TryParse(text, out _));

    [Fact]
    public void DurationParser_Parse_NotADuration_ThrowsUsageErrorWithHint()
    {
        var error = Assert.Throws<CliUsageException>(() => DurationParser.Parse("soon"));
        Assert.Contains("30m", error.Message);
    }

    [Fact]
    public void ServiceAddresses_Resolve_OptionGiven_WinsOverEnvironment()
    {
        var address = ServiceAddresses.Resolve(MeshService.Agents, "http://option:1", Env(("MESH_AGENTS_URL", "http://env:2")));
        Assert.Equal(new Uri("http://option:1"), address);
    }

    [Fact]
    public void ServiceAddresses_Resolve_BothVariables_MeshVariableWinsOverAspire()
    {
        var address = ServiceAddresses.Resolve(
            MeshService.Telemetry, null, Env(("MESH_TELEMETRY_URL", "http://mesh:1"), ("services__telemetry__http__0", "http://aspire:2")));
        Assert.Equal(new Uri("http://mesh:1"), address);
    }

    [Fact]
    public void ServiceAddresses_Resolve_OnlyAspireVariable_UsesIt()
    {
        var address = ServiceAddresses.Resolve(MeshService.Tools, null, Env(("services__tools__http__0", "http://aspire:2")));
        Assert.Equal(new Uri("http://aspire:2"), address);
    }

    [Fact]
    public void ServiceAddresses_Resolve_NothingSet_ReturnsDefaultPort()
    {
        var address = ServiceAddresses.Resolve(MeshService.Inference, null, Env());
        Assert.Equal(new Uri("http://127.0.0.1:5102"), address);
    }

    [Fact]
    public void ServiceAddresses_Resolve_VariableNotAnAddress_ThrowsNamingTheVariable()
    {
        var error = Assert.Throws<CliUsageException>(() =>
            ServiceAddresses.Resolve(MeshService.Identity, null, Env(("MESH_IDENTITY_URL", "localhost:5101"))));
        Assert.Contains("MESH_IDENTITY_URL", error.Message);
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
