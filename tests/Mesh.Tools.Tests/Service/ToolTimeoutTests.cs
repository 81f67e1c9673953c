using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Service;

public sealed class ToolTimeoutTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static (ToolsFactory Factory, NeverEndingTool Tool) HostWith(TimeSpan toolTimeout)
    {
        var tool = new NeverEndingTool(toolTimeout);
        var factory = new ToolsFactory();
        factory.WithServices(s => s.AddSingleton<ITool>(tool));
        return (factory, tool);
    }

    private static InvokeToolRequest Request() => new() { Tool = NeverEndingTool.Name, ArgumentsJson = "{}" };

    [Fact]
    public async Task InvokeTool_ToolRunsPastItsTimeout_DeadlineExceededAndErrorEvent()
    {
        var (factory, _) = HostWith(TimeSpan.FromMilliseconds(200));
        await using var _ = factory;
        var client = new ToolsClient(factory.CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() => client.InvokeToolAsync(Request(), TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal($"tool '{NeverEndingTool.Name}' exceeded its 200 ms timeout; simplify the arguments or split the work", error.Status.Detail);
        var usage = Assert.Single(factory.Usage.Events);
        Assert.Equal(UsageStatus.Error, usage.Status);
        Assert.StartsWith("timeout", usage.Attributes["error"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_CallerCancels_ToolStopsAndCancelledEventRecorded()
    {
        var (factory, tool) = HostWith(TimeSpan.FromMinutes(5));
        await using var _ = factory;
        var client = new ToolsClient(factory.CreateChannel());
        using var cancel = new CancellationTokenSource();

        var call = client.InvokeToolAsync(Request(), TestCalls.As(TestKeys.Acme).WithCancellationToken(cancel.Token));
        await tool.Started.WaitAsync(Patience);
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var usage = await WaitForSingleEventAsync(factory);
        Assert.Equal(UsageStatus.Cancelled, usage.Status);
    }

    [Fact]
    public async Task InvokeTool_CallerDeadlineBeforeToolTimeout_ToolStopsAndCancelledEventRecorded()
    {
        var (factory, tool) = HostWith(TimeSpan.FromMinutes(5));
        await using var _ = factory;
        var client = new ToolsClient(factory.CreateChannel());

        var call = client.InvokeToolAsync(Request(), TestCalls.As(TestKeys.Acme, timeout: TimeSpan.FromSeconds(1)));
        await tool.Started.WaitAsync(Patience);

        // Which side reports first at the deadline (client timer, server reset) varies in memory;
        // what matters is that the call ends at the caller's deadline, not the tool's (5 minutes).
        // On a loaded test machine the deadline's timers may fire seconds late: a wide margin.
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(4 * Patience));
        var usage = await WaitForSingleEventAsync(factory);
        Assert.Equal(UsageStatus.Cancelled, usage.Status);
    }

    private static async Task<UsageEvent> WaitForSingleEventAsync(ToolsFactory factory)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (factory.Usage.Events.Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }

        return Assert.Single(factory.Usage.Events);
    }
}
