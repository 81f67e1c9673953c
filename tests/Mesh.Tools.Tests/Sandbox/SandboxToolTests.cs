using Mesh.Testing;
using Mesh.Tools.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Sandbox;

public sealed class SandboxToolTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    [Fact]
    public async Task InvokeTool_Python_RunsInTheSandboxAndReportsWhatItUsed()
    {
        var response = await new ToolsClient(factory.CreateChannel()).InvokeToolAsync(
            new InvokeToolRequest { Tool = "python", ArgumentsJson = """{"code":"import os, sys; print(6 * 7); print(os.getuid(), os.getcwd(), file=sys.stderr)"}""" },
            TestCalls.As(TestKeys.Acme));

        var result = System.Text.Json.JsonDocument.Parse(response.ResultJson).RootElement;
        Assert.Equal(0, result.ExitCode());
        Assert.Equal("42\n", result.Stdout());
        Assert.Equal("65534 /workspace\n", result.Stderr());
        Assert.Equal("", result.KilledBy());
        Assert.True(response.Stats.CpuMs > 0, "no CPU time measured");
        Assert.True(response.Stats.PeakMemoryBytes > 1024 * 1024, $"peak memory {response.Stats.PeakMemoryBytes}");
        Assert.Equal(0, response.Stats.ExitCode);
    }

    [Fact]
    public async Task InvokeTool_ShellFails_ExitCodeAndStderrCameBack()
    {
        var result = await SandboxCalls.ShellAsync(factory, "echo oops >&2; exit 3");

        Assert.Equal(3, result.ExitCode());
        Assert.Equal("oops\n", result.Stderr());
    }
}
