using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Sandbox;

public sealed class ProcessToolTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    private const string Script = """
        import json, sys
        args = json.load(sys.stdin)
        print(json.dumps({"total": sum(args["numbers"]), "files": sorted(__import__("os").listdir("/tool"))}))
        """;

    private ToolsClient Client => new(factory.CreateChannel());

    private static RegisterToolRequest Summer(string name, params string[] command) => new()
    {
        Name = name,
        Description = "adds numbers",
        ArgumentsSchema = """{"type":"object","properties":{"numbers":{"type":"array","items":{"type":"number"}}},"required":["numbers"]}""",
        SideEffect = SideEffect.None,
        TimeoutMs = 5000,
        Limits = new ToolLimits { MemoryBytes = 64 << 20, MaxProcesses = 16, CpuCores = 0.5 },
        Process = new ProcessRuntime { Command = { command.Length > 0 ? command : ["python3", "/tool/main.py"] }, Files = { ["main.py"] = Script, ["lib/helper.txt"] = "x" } },
    };

    [Fact]
    public async Task RegisterTool_PythonScript_RunsWithArgumentsOnStdinAndMeteredAsSandboxCpu()
    {
        var name = $"sum-{Guid.NewGuid():N}"[..20];
        var info = await Client.RegisterToolAsync(Summer(name), TestCalls.As(TestKeys.Acme));

        var response = await Client.InvokeToolAsync(new InvokeToolRequest { Tool = name, ArgumentsJson = """{"numbers":[1,2,3.5]}""" }, TestCalls.As(TestKeys.Acme));

        Assert.Equal((64L << 20, 16, 0.5), (info.Limits.MemoryBytes, info.Limits.MaxProcesses, info.Limits.CpuCores));
        Assert.Equal(1024 * 1024, info.Limits.OutputBytes);
        using var result = JsonDocument.Parse(response.ResultJson);
        Assert.Equal(6.5, result.RootElement.GetProperty("output").GetProperty("total").GetDouble());
        Assert.Equal("""["lib","main.py"]""", result.RootElement.GetProperty("output").GetProperty("files").GetRawText());
        var usage = factory.Usage.Events.Last(e => e.Resource == name);
        Assert.Equal(("sandbox", "cpu:sandbox", "0"), (usage.Attributes["price_class"], usage.Device, usage.Attributes["exit_code"]));
        Assert.Equal(response.Stats.CpuMs, usage.ComputeMs, 3);
        Assert.Equal(UsageStatus.Ok, usage.Status);
        Assert.True(long.Parse(usage.Attributes["peak_memory_bytes"], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Theory]
    [InlineData("sudo", "is not allowed in the sandbox")]
    [InlineData("/usr/bin/nsenter", "is not allowed in the sandbox")]
    [InlineData("/home/someone/tool", "is not an executable the sandbox sees")]
    [InlineData("no-such-program", "is not an executable the sandbox sees")]
    [InlineData("/tool/missing.py", "is not one of the tool's files")]
    [InlineData("/usr/bin/passwd", "set-user-id")]
    public async Task RegisterTool_CommandNotAllowed_InvalidArgumentAndNothingRegistered(string program, string problem)
    {
        var name = $"bad-{Guid.NewGuid():N}"[..20];

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.RegisterToolAsync(Summer(name, program), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("process.command: ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(problem, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain((await Client.ListToolsAsync(new ListToolsRequest(), TestCalls.As(TestKeys.Acme))).Tools, t => t.Name == name);
    }

    [Fact]
    public async Task RegisterTool_FileNamesThatClimbOutAndLimitsTooLarge_EachRefused()
    {
        var request = Summer($"bad-{Guid.NewGuid():N}"[..20]);
        request.Process.Files["../escape.py"] = "x";
        request.Process.Files["/etc/x"] = "x";
        request.Limits = new ToolLimits { MemoryBytes = 1L << 40, MaxProcesses = 2, CpuCores = 999 };

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.RegisterToolAsync(request, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var expected in new[] { "limits.memory_bytes", "limits.max_processes", "limits.cpu_cores", "process.files[../escape.py]", "process.files[/etc/x]" })
        {
            Assert.Contains(expected, error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ListTools_PythonAndShell_BuiltInSandboxedWithLimits()
    {
        var tools = (await Client.ListToolsAsync(new ListToolsRequest(), TestCalls.As(TestKeys.Acme))).Tools;

        foreach (var name in new[] { "python", "shell" })
        {
            var tool = Assert.Single(tools, t => t.Name == name);
            Assert.Equal(("builtin", "mesh", "sandbox"), (tool.Runtime, tool.Source, tool.Price.PriceClass));
            Assert.Equal(256L << 20, tool.Limits.MemoryBytes);
            Assert.Equal(SideEffect.Write, tool.SideEffect);
        }
    }
}
