using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests;

public sealed class VrioCommandTests : IAsyncLifetime
{
    private FakeMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await FakeMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Vrio_Report_TableAndMarkdownShowVerdictAndEvidence()
    {
        var table = await CliRun.RunAsync(_mesh.Environment, "vrio");
        var markdown = await CliRun.RunAsync(_mesh.Environment, "vrio", "--markdown");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("model:public-llm@1", table.Out);
        Assert.Contains("parity", table.Out);
        Assert.Equal(0, markdown.ExitCode);
        Assert.Contains("| model:public-llm@1 | parity | yes | no | ? | ? |", markdown.Out);
        Assert.Contains("- full cost (USD): $1.4", markdown.Out);
    }

    [Fact]
    public async Task VrioOutcome_CapabilityRef_SentParsedAndBadRefIsAUsageError()
    {
        var ok = await CliRun.RunAsync(_mesh.Environment, "vrio", "outcome", "t-1", "--capability", "tool:calculator@2", "--value", "4", "--score", "0.5");
        var bad = await CliRun.RunAsync(_mesh.Environment, "vrio", "outcome", "t-2", "--capability", "calculator");

        Assert.Equal(0, ok.ExitCode);
        Assert.True(_mesh.Vrio.Outcomes.TryDequeue(out var outcome));
        Assert.Equal(("tool", "calculator", "2", "4", 0.5, true), (outcome.Capability.Kind, outcome.Capability.Name, outcome.Capability.Version, outcome.ValueUsd, outcome.Score, outcome.Success));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("kind:name[@version]", bad.Error);
    }
}
