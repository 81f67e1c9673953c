using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Sandbox;

public sealed class WorkspaceLifecycleTests(ToolsFactory factory) : IClassFixture<ToolsFactory>
{
    private ToolsClient Client => new(factory.CreateChannel());

    [Fact]
    public async Task InvokeTool_StepsOfOneRun_ShareTheWorkspaceUntilTheRunEnds()
    {
        var run = $"run-{Guid.NewGuid():N}";
        await SandboxCalls.PythonAsync(factory, "open('data.csv', 'w').write('a,b\\n1,2\\n')", SandboxCalls.InRun(run));

        var second = await SandboxCalls.ShellAsync(factory, "wc -l < data.csv", SandboxCalls.InRun(run));
        var ended = await Client.EndRunAsync(new EndRunRequest { RunId = run }, SandboxCalls.InRun(run));
        var afterEnd = await SandboxCalls.ShellAsync(factory, "ls -A; echo end", SandboxCalls.InRun(run));
        var again = await Client.EndRunAsync(new EndRunRequest(), SandboxCalls.InRun(run));
        var second2 = await Client.EndRunAsync(new EndRunRequest(), SandboxCalls.InRun(run));

        Assert.Equal("2\n", second.Stdout());
        Assert.True(ended.Removed);
        Assert.Equal("end\n", afterEnd.Stdout());
        Assert.True(again.Removed);
        Assert.False(second2.Removed);
    }

    [Fact]
    public async Task EndRun_RemovesTheFolderWithoutFollowingLinksTheToolMade()
    {
        var keep = Path.Combine(factory.DataDirectory(), $"keep-{Guid.NewGuid():N}");
        Directory.CreateDirectory(keep);
        await File.WriteAllTextAsync(Path.Combine(keep, "precious.txt"), "keep me");
        var run = $"run-{Guid.NewGuid():N}";
        await SandboxCalls.ShellAsync(factory, $"ln -s {keep} escape; mkdir -p deep/er && ln -s {keep}/precious.txt deep/er/file", SandboxCalls.InRun(run));

        await Client.EndRunAsync(new EndRunRequest { RunId = run }, SandboxCalls.InRun(run));

        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(keep, "precious.txt")));
    }

    [Fact]
    public async Task EndRun_NoRunNamedAndNoRunToken_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.EndRunAsync(new EndRunRequest(), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("run_id: is empty", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_NoRun_EachCallGetsAFreshWorkspaceRemovedAfterIt()
    {
        var first = await SandboxCalls.ShellAsync(factory, "touch mine; pwd; ls -A");
        var second = await SandboxCalls.ShellAsync(factory, "ls -A; echo end");

        Assert.Equal("/workspace\nmine\n", first.Stdout());
        Assert.Equal("end\n", second.Stdout());
        var calls = Path.Combine(factory.DataDirectory(), "workspaces", "calls");
        Assert.Empty(Directory.Exists(calls) ? Directory.GetDirectories(calls) : []);
    }
}
