using Grpc.Core;
using Mesh.Agents.V1;
using Mesh.Cli.Agents;
using Mesh.Cli.Commands;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;
using Mesh.Cli.Usage;
using Mesh.Telemetry.V1;
using Spectre.Console;

namespace Mesh.Cli.Tests;

public sealed class FormattingTests
{
    [Fact]
    public void Dimensions_TryParse_CommaList_ReturnsDimensionsInOrder()
    {
        Assert.True(Dimensions.TryParse(" run, Resource ", out var dimensions, out _));
        Assert.Equal([Dimension.Run, Dimension.Resource], dimensions);
    }

    [Fact]
    public void Dimensions_TryParse_UnknownName_ErrorListsValidNames()
    {
        Assert.False(Dimensions.TryParse("tenant,colour", out _, out var error));
        Assert.Contains("'colour'", error);
        Assert.Contains("principal", error);
    }

    [Fact]
    public void Dimensions_TryParse_RepeatedName_Fails()
    {
        Assert.False(Dimensions.TryParse("run,run", out _, out var error));
        Assert.Contains("twice", error);
    }

    [Theory]
    [InlineData("0.000001234", "0.000001234")]
    [InlineData("1.5", "1.500000000")]
    [InlineData("", "0.000000000")]
    [InlineData("n/a", "n/a")]
    public void Formatting_Cost_AnyText_ShowsNineFractionalDigits(string value, string expected) =>
        Assert.Equal(expected, Formatting.Cost(value));

    [Fact]
    public void UsageCombiner_Combine_SumsTotalsExactly()
    {
        var first = new UsageReport { Rows = { new UsageRow { Keys = { "a" } } }, Total = new UsageRow { Events = 2, InputTokens = 10, CostUsd = "0.100000001" } };
        var second = new UsageReport { Rows = { new UsageRow { Keys = { "b" } } }, Total = new UsageRow { Events = 3, InputTokens = 5, CostUsd = "0.200000002" } };

        var combined = UsageCombiner.Combine([Dimension.Run], [first, second]);

        Assert.Equal(2, combined.Rows.Count);
        Assert.Equal(5, combined.Total.Events);
        Assert.Equal(15, combined.Total.InputTokens);
        Assert.Equal("0.300000003", combined.Total.CostUsd);
        Assert.Equal([Dimension.Run], combined.GroupBy);
    }

    [Fact]
    public void UsageTable_Build_Report_ShowsHeadersKeysAndTotal()
    {
        var report = new UsageReport
        {
            GroupBy = { Dimension.Tenant, Dimension.Resource },
            Rows = { new UsageRow { Keys = { "acme", "all-MiniLM-L6-v2" }, Events = 1_234, CostUsd = "0.000012000" } },
            Total = new UsageRow { Events = 1_234, CostUsd = "0.000012000" },
        };

        var text = Render(UsageTable.Build(report));

        Assert.Contains("Tenant", text);
        Assert.Contains("Resource", text);
        Assert.Contains("acme", text);
        Assert.Contains("1,234", text);
        Assert.Contains("Total", text);
        Assert.Contains("0.000012000", text);
    }

    [Fact]
    public void RunRenderer_StepLine_Step_ShowsKindNameSummaryAndDuration()
    {
        var step = new StepCompleted { Kind = "tool", Name = "calculator", Summary = "12.5 * 7.2 = 90", DurationMs = 1.25, Tokens = 0 };

        var text = Render(new Markup(RunRenderer.StepLine(3, step)));

        Assert.Contains("tool", text);
        Assert.Contains("calculator", text);
        Assert.Contains("12.5 * 7.2 = 90", text);
        Assert.Contains("1.3 ms", text);
    }

    [Fact]
    public void RunRenderer_StepLine_MarkupInSummary_IsEscaped()
    {
        var step = new StepCompleted { Kind = "answer", Name = "[model]", Summary = "[red]x[/]" };

        var text = Render(new Markup(RunRenderer.StepLine(1, step)));

        Assert.Contains("[red]x[/]", text);
    }

    [Fact]
    public void ToolCommand_RequireObject_NotAnObject_ThrowsUsageError()
    {
        Assert.Throws<CliUsageException>(() => ToolCommand.RequireObject("[1]"));
        Assert.Throws<CliUsageException>(() => ToolCommand.RequireObject("{broken"));
        Assert.Equal("{}", ToolCommand.RequireObject(null));
    }

    [Fact]
    public void EmbedCommand_Preview_MoreValuesThanShown_EndsWithEllipsis() =>
        Assert.Equal("[0.1000, -0.2500, …]", EmbedCommand.Preview([0.1f, -0.25f, 0.5f], 2));

    [Fact]
    public void ErrorReporter_Describe_UnauthenticatedWithoutKey_HintsTheVariable()
    {
        var settings = new CliSettings(false, null, null, TimeSpan.FromSeconds(5), new Dictionary<MeshService, Uri>());

        var (message, hint) = ErrorReporter.Describe(new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "missing key")), settings);

        Assert.Equal("Unauthenticated: missing key", message);
        Assert.Contains("MESH_API_KEY", hint);
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        console.Write(renderable);
        return writer.ToString();
    }
}
