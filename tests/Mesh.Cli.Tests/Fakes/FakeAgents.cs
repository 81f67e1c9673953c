using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Agents.V1;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>An agents service that answers every run with two steps and an answer.</summary>
public sealed class FakeAgents(FakeAnalytics analytics) : Mesh.Agents.V1.Agents.AgentsBase
{
    private int _runs;

    public ConcurrentQueue<RunAgentRequest> Requests { get; } = new();

    public ConcurrentQueue<Metadata> Headers { get; } = new();

    /// <summary>When false, streams end after the steps, without a RunCompleted.</summary>
    public bool CompleteRuns { get; set; } = true;

    public override Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListAgentsResponse { Agents = { new AgentInfo { Name = "assistant", Description = "Answers questions about Mesh" } } });

    public override async Task RunAgent(RunAgentRequest request, IServerStreamWriter<RunEvent> responseStream, ServerCallContext context)
    {
        Requests.Enqueue(request);
        Headers.Enqueue(context.RequestHeaders);
        var runId = $"01a21c92-374a-70db-9e52-run-{Interlocked.Increment(ref _runs):D4}";
        var sequence = 0;
        RunEvent Next() => new() { RunId = runId, Sequence = ++sequence, At = Timestamp.FromDateTime(DateTime.UnixEpoch) };

        var started = Next();
        started.Started = new RunStarted { Agent = string.IsNullOrEmpty(request.Agent) ? "assistant" : request.Agent, Input = request.Input };
        await responseStream.WriteAsync(started, context.CancellationToken);

        var embed = Next();
        embed.Step = new StepCompleted { StepId = "s1", Kind = "embed", Name = "all-MiniLM-L6-v2", Summary = "embedded the question", DurationMs = 7.5, Tokens = 13 };
        await responseStream.WriteAsync(embed, context.CancellationToken);

        var retrieve = Next();
        retrieve.Step = new StepCompleted { StepId = "s2", Kind = "retrieve", Name = "mesh-docs", Summary = "found 2 passages", DurationMs = 2.25 };
        await responseStream.WriteAsync(retrieve, context.CancellationToken);

        if (!CompleteRuns)
        {
            return;
        }

        var completed = Next();
        completed.Completed = new RunCompleted
        {
            Answer = $"Answer to: {request.Input}",
            Sources = { new Source { Id = "doc-1", Title = "Mesh overview", Score = 0.91 } },
            Steps = 2,
            DurationMs = 12,
        };
        await responseStream.WriteAsync(completed, context.CancellationToken);
        analytics.AddRun(runId);
    }
}
