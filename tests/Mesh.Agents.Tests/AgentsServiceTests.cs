using Grpc.Core;
using Mesh.Agents.Runs.Api;
using Mesh.Agents.V1;
using Mesh.Testing;
using Mesh.Usage.V1;

namespace Mesh.Agents.Tests;

public sealed class AgentsServiceTests(InMemoryMesh mesh) : IClassFixture<InMemoryMesh>
{
    [Fact]
    public async Task RunAgent_QuestionAboutMesh_StreamsStepsAndAnswersFromTheHandbook()
    {
        var events = await RunAsync("What are the services of Mesh?", TestKeys.Acme);

        Assert.NotNull(events[0].Started);
        Assert.Equal(["embed", "retrieve", "branch", "set"], events.Where(e => e.Step is not null).Select(e => e.Step.Kind));
        var completed = events[^1].Completed;
        Assert.Contains("five gRPC services", completed.Answer, StringComparison.Ordinal);
        Assert.Equal("mesh", completed.Sources[0].Id);
        Assert.All(events, e => Assert.Equal(events[0].RunId, e.RunId));
    }

    [Fact]
    public async Task RunAgent_DivisionByZero_AnswersWhyItCannotCompute()
    {
        var events = await RunAsync("What is 7 / 0?", TestKeys.Acme);

        var tool = events.Single(e => e.Step?.Kind == "tool").Step;
        Assert.Contains("division by zero", tool.Summary, StringComparison.Ordinal);
        Assert.StartsWith("I could not compute 7 / 0", events[^1].Completed.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_Arithmetic_EveryServiceMetersTheRunForTheCallersTenant()
    {
        var events = await RunAsync("What is 2 ^ 10 - 24?", TestKeys.Globex);
        var runId = events[0].RunId;

        // Without identity (credentials mode) there is no run token: downstream calls are metered
        // for the caller; which run and agent they belong to travels in the run's token (Mesh.Security.Tests).
        // Step usage is committed with each step and published from the run store right after.
        var steps = await EventuallyAsync(() => mesh.Agents.Usage.Events.Where(e => e.RunId == runId).ToList(), e => e.Count(u => u.Kind == UsageKind.WorkflowStep) >= 5);
        var embedding = mesh.Inference.Usage.Events.Single(e => e.TenantId == "globex" && e.Kind == UsageKind.Embedding);
        var toolCall = mesh.Tools.Usage.Events.Single(e => e.TenantId == "globex" && e.Kind == UsageKind.ToolCall);

        Assert.Equal(5, steps.Count(e => e.Kind == UsageKind.WorkflowStep));
        Assert.Single(steps, e => e.Kind == UsageKind.Retrieval);
        Assert.All(steps, e => Assert.Equal(("globex", "bob", "assistant"), (e.TenantId, e.PrincipalId, e.AgentId)));
        Assert.All([embedding, toolCall], e => Assert.Equal(("globex", "bob"), (e.TenantId, e.PrincipalId)));
        Assert.Equal(events.Single(e => e.Step?.Kind == "embed").Step.Tokens, embedding.InputTokens);
        Assert.Equal("1000", events[^1].Completed.Answer.Split(" = ")[1]);
    }

    [Theory]
    [InlineData("", "", StatusCode.InvalidArgument, "input")]
    [InlineData("   ", "", StatusCode.InvalidArgument, "input")]
    [InlineData("Hello?", "no-such-agent", StatusCode.NotFound, "assistant")]
    public async Task RunAgent_BadRequest_ClearStatusAndNothingMetered(string input, string agent, StatusCode code, string mentioned)
    {
        var before = mesh.Agents.Usage.Events.Count;

        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(input, TestKeys.Acme, agent));

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(mentioned, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, mesh.Agents.Usage.Events.Count);
    }

    [Fact]
    public async Task RunAgent_InputOverTheLimit_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => RunAsync(new string('x', AgentsService.MaxInputLength + 1), TestKeys.Acme));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limit is 4000", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAgent_NoKey_Unauthenticated()
    {
        using var call = mesh.AgentsClient().RunAgent(new RunAgentRequest { Input = "What is Mesh?" }, deadline: DateTime.UtcNow.AddSeconds(30));

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    private async Task<List<RunEvent>> RunAsync(string input, string apiKey, string agent = "")
    {
        var events = new List<RunEvent>();
        using var call = mesh.AgentsClient().RunAgent(new RunAgentRequest { Input = input, Agent = agent }, TestCalls.As(apiKey, timeout: TimeSpan.FromSeconds(60)));
        await foreach (var runEvent in call.ResponseStream.ReadAllAsync())
        {
            events.Add(runEvent);
        }

        return events;
    }
}
