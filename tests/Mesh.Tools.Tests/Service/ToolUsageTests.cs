using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Service;

/// <summary>Each test hosts its own service so the captured usage is its own.</summary>
public sealed class ToolUsageTests
{
    private static Task<InvokeToolResponse> InvokeAsync(ToolsFactory factory, string argumentsJson) =>
        new ToolsClient(factory.CreateChannel())
            .InvokeToolAsync(new InvokeToolRequest { Tool = "calculator", ArgumentsJson = argumentsJson }, TestCalls.As(TestKeys.Acme)).ResponseAsync;

    [Fact]
    public async Task InvokeTool_Success_EmitsOneToolCallEventForCallersTenant()
    {
        await using var factory = new ToolsFactory();

        await InvokeAsync(factory, """{"expression":"2*21"}""");

        var usage = Assert.Single(factory.Usage.Events);
        Assert.Equal(UsageKind.ToolCall, usage.Kind);
        Assert.Equal("tools", usage.Service);
        Assert.Equal("calculator", usage.Resource);
        Assert.Equal("1.0.0", usage.ResourceVersion);
        Assert.Equal("acme", usage.TenantId);
        Assert.Equal("alice", usage.PrincipalId);
        Assert.Equal(UsageStatus.Ok, usage.Status);
        Assert.Equal(1, usage.BatchSize);
        Assert.True(usage.TotalMs >= usage.ComputeMs);
        Assert.NotNull(usage.OccurredAt);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{}")]
    [InlineData("""{"expression":"1","extra":true}""")]
    public async Task InvokeTool_RejectedBeforeExecution_EmitsNoEvent(string argumentsJson)
    {
        await using var factory = new ToolsFactory();

        await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(factory, argumentsJson));

        Assert.Empty(factory.Usage.Events);
    }

    [Fact]
    public async Task InvokeTool_UnknownTool_EmitsNoEvent()
    {
        await using var factory = new ToolsFactory();
        var client = new ToolsClient(factory.CreateChannel());

        await Assert.ThrowsAsync<RpcException>(() => client.InvokeToolAsync(new InvokeToolRequest { Tool = "abacus" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Empty(factory.Usage.Events);
    }

    [Fact]
    public async Task InvokeTool_FailsDuringEvaluation_EmitsErrorEventWithReason()
    {
        await using var factory = new ToolsFactory();

        await Assert.ThrowsAsync<RpcException>(() => InvokeAsync(factory, """{"expression":"1/0"}"""));

        var usage = Assert.Single(factory.Usage.Events);
        Assert.Equal(UsageStatus.Error, usage.Status);
        Assert.Equal("division by zero at position 2", usage.Attributes["error"]);
        Assert.Equal("acme", usage.TenantId);
    }
}
