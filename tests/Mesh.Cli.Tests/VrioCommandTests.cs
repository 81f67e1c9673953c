using Mesh.Cli.Tests.Fakes;
using Mesh.Telemetry.V1;

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

    [Fact]
    public async Task VrioHtml_HostileCapabilityName_EscapedInASelfContainedPage()
    {
        const string hostile = "<script>alert('x')</script>\"&";
        var report = HostileReport(hostile);
        _mesh.Vrio.Report = report;

        var html = await CliRun.RunAsync(_mesh.Environment, "vrio", "--html");

        Assert.Equal(0, html.ExitCode);
        Assert.StartsWith("<!DOCTYPE html>", html.Out, StringComparison.Ordinal);
        Assert.Contains("model:&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;@1", html.Out, StringComparison.Ordinal);
        Assert.Contains("owner &lt;b&gt;", html.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html.Out, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html.Out, StringComparison.Ordinal);
        // Self-contained: nothing is fetched from anywhere.
        foreach (var reference in new[] { "http:", "https:", "src=", "<link", "@import", "url(" })
        {
            Assert.DoesNotContain(reference, html.Out, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Vrio_Table_CapabilitiesWithoutCallsOnOneLineUnlessAll()
    {
        var report = HostileReport("busy");
        report.Capabilities.Add(new CapabilityAssessment
        {
            Capability = new Capability { Ref = new CapabilityRef { Kind = "tool", Name = "idle-tool", Version = "1" } },
            Value = new Indicator { Name = "value" }, Rarity = new Indicator { Name = "rarity" }, Imitability = new Indicator { Name = "imitability" }, Organization = new Indicator { Name = "organization" },
            Verdict = Verdict.NotEnoughEvidence, WindowVerdict = Verdict.NotEnoughEvidence, Action = "not enough evidence: keep it running and measured",
        });
        _mesh.Vrio.Report = report;

        var table = await CliRun.RunAsync(_mesh.Environment, "vrio");
        var all = await CliRun.RunAsync(_mesh.Environment, "vrio", "--all");

        Assert.Contains("1 more capability without calls in the window (not enough evidence): tool:idle-tool@1", table.Out);
        Assert.DoesNotContain("keep it running", table.Out);
        Assert.Contains("keep it running", all.Out);
    }

    private static VrioReport HostileReport(string name)
    {
        var at = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc));
        var indicator = new Indicator { Name = "value", Sufficient = true, Met = true, Formula = "a < b & c", Threshold = "x > 1", Reason = "owner <b>", Evidence = { new Evidence { Name = "owner", Value = "owner <b>" } } };
        return new VrioReport
        {
            From = at,
            To = at,
            PreviousFrom = at,
            Thresholds = new VrioThresholds { MinValuePerUsd = 1 },
            Notes = { "tools registry not read (<Unavailable>)" },
            Capabilities =
            {
                new CapabilityAssessment
                {
                    Capability = new Capability { Ref = new CapabilityRef { Kind = "model", Name = name, Version = "1" }, Owner = "owner <b>" },
                    Value = indicator, Rarity = indicator, Imitability = indicator, Organization = indicator,
                    Verdict = Verdict.SustainedAdvantage, WindowVerdict = Verdict.SustainedAdvantage, PreviousWindowVerdict = Verdict.SustainedAdvantage,
                    Weaknesses = { "none <i>really</i>" }, Action = "keep investing & protect it", Calls = 140,
                },
            },
        };
    }
}
