using System.Text.Json;
using Grpc.Core;
using Mesh.Testing;
using Mesh.Tools.Idempotency;
using Mesh.Tools.Registry;
using Mesh.Tools.V1;
using Mesh.Usage.V1;
using Microsoft.Extensions.DependencyInjection;
using ToolsClient = Mesh.Tools.V1.Tools.ToolsClient;

namespace Mesh.Tools.Tests.Idempotency;

/// <summary>Each test hosts its own service with a counting tool, so runs and usage are its own.</summary>
public sealed class IdempotentInvokeTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly CountingTool _tool = new();
    private ToolsFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = Host(new ToolsFactory(), _tool);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static ToolsFactory Host(ToolsFactory factory, CountingTool tool)
    {
        factory.WithServices(s => s.AddSingleton<ITool>(tool));
        return factory;
    }

    private static Task<InvokeToolResponse> InvokeAsync(ToolsFactory factory, string arguments, string key, string apiKey = TestKeys.Acme, CancellationToken cancellationToken = default) =>
        new ToolsClient(factory.CreateChannel()).InvokeToolAsync(
            new InvokeToolRequest { Tool = CountingTool.Name, ArgumentsJson = arguments, IdempotencyKey = key },
            TestCalls.As(apiKey).WithCancellationToken(cancellationToken)).ResponseAsync;

    private Task<InvokeToolResponse> InvokeAsync(string arguments, string key, string apiKey = TestKeys.Acme) => InvokeAsync(_factory, arguments, key, apiKey);

    private static int Run(InvokeToolResponse response)
    {
        using var result = JsonDocument.Parse(response.ResultJson);
        return result.RootElement.GetProperty("run").GetInt32();
    }

    [Fact]
    public async Task InvokeTool_SameKeySameArguments_RunsOnceAndRepeatIsReplayed()
    {
        var first = await InvokeAsync("""{"add":1,"note":"x"}""", "run-7/step-2");
        var repeat = await InvokeAsync("""{ "note": "x", "add": 1 }""", "run-7/step-2");

        Assert.Equal(1, _tool.Runs);
        Assert.False(first.Replayed);
        Assert.True(repeat.Replayed);
        Assert.Equal(first.ResultJson, repeat.ResultJson);
        Assert.Equal(first.DurationMs, repeat.DurationMs);
        Assert.Equal((CountingTool.Name, "1.0.0"), (repeat.Tool, repeat.Version));
    }

    [Fact]
    public async Task InvokeTool_NoKey_RunsEveryTime()
    {
        await InvokeAsync("{}", "");
        var second = await InvokeAsync("{}", "");

        Assert.Equal(2, _tool.Runs);
        Assert.False(second.Replayed);
    }

    [Fact]
    public async Task InvokeTool_SameKeyOtherArguments_FailedPreconditionAndNothingRuns()
    {
        await InvokeAsync("""{"add":1}""", "k-1");

        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("""{"add":2}""", "k-1"));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("idempotency_key 'k-1' was used for another call (tool 'counter'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, _tool.Runs);
    }

    [Fact]
    public async Task InvokeTool_SameKeyOtherTool_FailedPrecondition()
    {
        await InvokeAsync("{}", "k-2");
        var client = new ToolsClient(_factory.CreateChannel());

        var error = await Assert.ThrowsAsync<RpcException>(() => client.InvokeToolAsync(
            new InvokeToolRequest { Tool = "clock", ArgumentsJson = "{}", IdempotencyKey = "k-2" }, TestCalls.As(TestKeys.Acme)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task InvokeTool_SameKeyAnotherTenant_RunsForEachTenant()
    {
        var acme = await InvokeAsync("{}", "shared-key");
        var globex = await InvokeAsync("""{"add":5}""", "shared-key", TestKeys.Globex);

        Assert.Equal(2, _tool.Runs);
        Assert.False(globex.Replayed);
        Assert.Equal((1, 2), (Run(acme), Run(globex)));
    }

    [Fact]
    public async Task InvokeTool_ToolRejectsArguments_ErrorStoredAndReplayedWithoutRunning()
    {
        var first = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("""{"fail":true}""", "k-fail"));
        var repeat = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("""{"fail":true}""", "k-fail"));

        Assert.Equal(1, _tool.Runs);
        Assert.Equal((StatusCode.InvalidArgument, "arguments_json/fail: failed on run 1"), (first.StatusCode, first.Status.Detail));
        Assert.Equal((first.StatusCode, first.Status.Detail), (repeat.StatusCode, repeat.Status.Detail));
        Assert.Equal("arguments_json/fail", repeat.Trailers.GetValue("x-mesh-field"));
        Assert.Equal("true", repeat.Trailers.GetValue(IdempotentCalls.ReplayedTrailer));
        Assert.Null(first.Trailers.GetValue(IdempotentCalls.ReplayedTrailer));
    }

    [Fact]
    public async Task InvokeTool_RepeatWhileFirstRuns_AbortedThenReplayedOnceDone()
    {
        var first = InvokeAsync("""{"hold":true}""", "k-hold");
        await _tool.Held.WaitAsync(Patience);

        var concurrent = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("""{"hold":true}""", "k-hold"));
        _tool.Release();
        var done = await first.WaitAsync(Patience);
        var repeat = await InvokeAsync("""{"hold":true}""", "k-hold");

        Assert.Equal(StatusCode.Aborted, concurrent.StatusCode);
        Assert.Contains("is still running; retry when it has finished", concurrent.Status.Detail, StringComparison.Ordinal);
        Assert.True(repeat.Replayed);
        Assert.Equal(done.ResultJson, repeat.ResultJson);
        Assert.Equal(1, _tool.Runs);
    }

    [Fact]
    public async Task InvokeTool_CallerCancelsFirstCall_KeyGivenBackAndRetryRuns()
    {
        using var cancel = new CancellationTokenSource();
        var first = InvokeAsync(_factory, """{"hold":true}""", "k-cancel", cancellationToken: cancel.Token);
        await _tool.Held.WaitAsync(Patience);
        await cancel.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => first.WaitAsync(Patience));
        _tool.Release();

        var retry = await RetryWhileAbortedAsync(() => InvokeAsync("""{"hold":true}""", "k-cancel"));

        Assert.False(retry.Replayed);
        Assert.Equal(2, _tool.Runs);
    }

    [Fact]
    public async Task InvokeTool_ServiceRestartsBetweenCalls_RepeatStillReplayed()
    {
        var directory = TestFolders.New("mesh-tools-restart");
        try
        {
            InvokeToolResponse first;
            await using (var before = Host(ToolsFactory.On(directory), new CountingTool()))
            {
                first = await InvokeAsync(before, """{"add":3}""", "k-durable");
            }

            var afterTool = new CountingTool();
            await using var after = Host(ToolsFactory.On(directory), afterTool);
            var repeat = await InvokeAsync(after, """{"add":3}""", "k-durable");

            Assert.True(repeat.Replayed);
            Assert.Equal(first.ResultJson, repeat.ResultJson);
            Assert.Equal(0, afterTool.Runs);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            TestFolders.Delete(directory);
        }
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("é")]
    public async Task InvokeTool_KeyWithInvisibleOrNonAsciiCharacters_InvalidArgumentAndNothingRuns(string key)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("{}", key));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("idempotency_key: has a character that is not visible ASCII", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, _tool.Runs);
    }

    [Fact]
    public async Task InvokeTool_KeyTooLong_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => InvokeAsync("{}", new string('k', 256)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("at most 255", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_Replayed_MeteredOnceEachAtTheReplayPriceClass()
    {
        await InvokeAsync("{}", "k-usage");
        await InvokeAsync("{}", "k-usage");

        var events = _factory.Usage.Events;
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal((UsageKind.ToolCall, CountingTool.Name, UsageStatus.Ok), (e.Kind, e.Resource, e.Status)));
        Assert.False(events[0].Attributes.ContainsKey("price_class"));
        Assert.Equal("replayed", events[1].Attributes["idempotency"]);
        Assert.Equal(IdempotentCalls.ReplayPriceClass, events[1].Attributes["price_class"]);
        Assert.Equal(0, events[1].ComputeMs);
    }

    private static async Task<InvokeToolResponse> RetryWhileAbortedAsync(Func<Task<InvokeToolResponse>> call)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted && !timeout.IsCancellationRequested)
            {
                // The cancelled call gives its key back as its handler unwinds, a moment after the client saw it end.
                await Task.Delay(20, timeout.Token);
            }
        }
    }
}
