namespace Mesh.Cli.Tests;

/// <summary>mesh tools, tool, mcp and egress against the real tools service.</summary>
public sealed class ToolsCommandsTests(ToolsService tools) : IClassFixture<ToolsService>
{
    [Fact]
    public async Task Tools_ListsBuiltInsWithSourceAndPrices()
    {
        var result = await CliRun.RunAsync(tools.Environment, "tools");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("calculator", result.Out, StringComparison.Ordinal);
        Assert.Contains("python", result.Out, StringComparison.Ordinal);
        Assert.Contains("mesh (builtin)", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_SameIdempotencyKeyTwice_SecondSaysReplayed()
    {
        var key = $"cli-{Guid.NewGuid():N}";

        var first = await CliRun.RunAsync(tools.Environment, "tool", "calculator", """{"expression":"6*7"}""", "--idempotency-key", key);
        var second = await CliRun.RunAsync(tools.Environment, "tool", "calculator", """{"expression":"6*7"}""", "--idempotency-key", key);

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Contains("42", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("replayed", first.Out, StringComparison.Ordinal);
        Assert.Contains("replayed", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_AddFilesystemServerThenCallItsToolsThenRemove()
    {
        var name = $"fs{Guid.NewGuid():N}"[..10];

        var added = await CliRun.RunAsync(tools.Environment, "mcp", "add", name, "mcp-server-filesystem", "/workspace");
        var write = await CliRun.RunAsync(tools.Environment, "tool", $"{name}/write_file", """{"path":"/workspace/hello.md","content":"hello from the cli"}""");
        var read = await CliRun.RunAsync(tools.Environment, "tool", $"{name}/read_text_file", """{"path":"/workspace/hello.md"}""");
        var listed = await CliRun.RunAsync(tools.Environment, "mcp", "list");
        var removed = await CliRun.RunAsync(tools.Environment, "mcp", "remove", name);
        var gone = await CliRun.RunAsync(tools.Environment, "tool", $"{name}/read_text_file", """{"path":"/workspace/hello.md"}""");

        Assert.True(added.ExitCode == 0, added.Error);
        Assert.Contains($"{name}/read_text_file", added.Out, StringComparison.Ordinal);
        Assert.Equal(0, write.ExitCode);
        Assert.Contains("hello from the cli", read.Out, StringComparison.Ordinal);
        Assert.Contains("mcp-server-filesystem /workspace", listed.Out, StringComparison.Ordinal);
        Assert.Contains("removed", removed.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("not found", gone.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_AddWithoutCommandOrUrl_UsageError()
    {
        var result = await CliRun.RunAsync(tools.Environment, "mcp", "add", "nothing");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("either the server's command", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Egress_AllowThenList_ShowsTheHosts()
    {
        var allowed = await CliRun.RunAsync(tools.Environment, "egress", "allow", "api.example.com", "*.example.org:8443");
        var listed = await CliRun.RunAsync(tools.Environment, "egress", "list", "--json");

        Assert.Equal(0, allowed.ExitCode);
        Assert.Contains("*.example.org:8443", listed.Out, StringComparison.Ordinal);
    }
}
